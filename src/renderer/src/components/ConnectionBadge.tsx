import { useStore } from '../store/root';
import { selectConnection, selectConnectionLabel } from '../store/app/selectors';

/** Shows the relay connection state (the reconnect countdown, or a relay whose identity key changed) in the sidebar. */
export function ConnectionBadge() {
  const label = useStore(selectConnectionLabel);
  const connection = useStore(selectConnection);
  const state = connection?.state ?? 'offline';
  return (
    <div className={`connection connection--${state}`} role="status" aria-label="Relay connection">
      <span className="connection__dot" aria-hidden="true" />
      <span className="connection__label">{label}</span>
      {connection && <span className="connection__relay">{connection.relay}</span>}
      {connection?.reason === 'relayKeyChanged' && (
        <span className="connection__warning" title="The relay proved a different identity key than the one pinned for it. Accept the new key only after checking it with the relay's operator.">
          new key {connection.relayKey?.slice(0, 8)}…
        </span>
      )}
    </div>
  );
}
