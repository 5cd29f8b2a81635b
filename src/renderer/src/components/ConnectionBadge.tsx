import { useStore } from '../store/root';
import { selectConnection, selectConnectionLabel } from '../store/app/selectors';

/** Shows the relay connection state (and the reconnect countdown) in the sidebar. */
export function ConnectionBadge() {
  const label = useStore(selectConnectionLabel);
  const connection = useStore(selectConnection);
  const state = connection?.state ?? 'offline';
  return (
    <div className={`connection connection--${state}`} role="status" aria-label="Relay connection">
      <span className="connection__dot" aria-hidden="true" />
      <span>{label}</span>
      {connection && <span className="connection__relay">{connection.relay}</span>}
    </div>
  );
}
