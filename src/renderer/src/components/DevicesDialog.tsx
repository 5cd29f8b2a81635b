import { useEffect, useState } from 'react';
import type { DeviceDto } from '../../../shared/contract';
import { useStore } from '../store/root';
import { selectDevices, selectDevicesError } from '../store/devices/selectors';
import { Dialog } from './Dialog';
import { Icon } from './Icon';
import { LinkNewDevice } from './LinkNewDevice';
import { SecureAccountPanel } from './SecureAccountPanel';
import { formatDate, formatTime } from './format';

/** This account's desktops: which are linked, revoking one, and linking a new one. */
export function DevicesDialog({ onClose }: { onClose: () => void }) {
  const devices = useStore(selectDevices);
  const error = useStore(selectDevicesError);
  const loadDevices = useStore((s) => s.loadDevices);
  const watchDevices = useStore((s) => s.watchDevices);
  const clearError = useStore((s) => s.clearDevicesError);
  const [linking, setLinking] = useState(false);

  useEffect(() => {
    clearError();
    void loadDevices();
    return watchDevices();
  }, [loadDevices, watchDevices, clearError]);

  const show = (next: boolean) => {
    clearError();
    setLinking(next);
  };
  return (
    <Dialog title={linking ? 'Link a new device' : 'Devices'} onClose={onClose}>
      {linking ? (
        <LinkNewDevice onDone={() => show(false)} />
      ) : (
        <>
          <p className="muted">The desktops signed in to your account. Each one receives your messages, end-to-end encrypted.</p>
          <ul className="devices" aria-label="Your desktops">
            {devices.map((d) => (
              <DeviceRow key={d.id} device={d} />
            ))}
          </ul>
          <SecureAccountPanel />
          {error && (
            <p className="error" role="alert">
              {error.message}
            </p>
          )}
          <div className="row row--end">
            <button type="button" className="button" onClick={() => show(true)}>
              Link a new device
            </button>
          </div>
        </>
      )}
    </Dialog>
  );
}

function DeviceRow({ device }: { device: DeviceDto }) {
  const revokeDevice = useStore((s) => s.revokeDevice);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const revoke = async () => {
    setBusy(true);
    if (!(await revokeDevice(device.id))) {
      setBusy(false);
      setConfirming(false);
    }
  };
  const seen = device.isThisDevice ? 'Active now' : device.lastSeenAt === null ? 'Not seen yet' : `Last seen ${formatTime(device.lastSeenAt)}`;
  return (
    <li className="device" aria-label={device.name}>
      <span className="device__icon" aria-hidden="true">
        <Icon name="devices" size={22} />
      </span>
      <span className="device__main">
        <span className="device__name">
          {device.name}
          {device.isThisDevice && <span className="tag">This desktop</span>}
        </span>
        <span className="muted device__meta">
          <span>Linked {formatDate(device.linkedAt)}</span>
          <span>{seen}</span>
        </span>
        {confirming && (
          <span className="device__confirm" role="group" aria-label={`Revoke ${device.name}?`}>
            <span>
              Revoke “{device.name}”? It stops receiving your messages at once, and deletes its copy of your account the next time it connects.
            </span>
            <span className="row">
              <button type="button" className="button button--secondary" onClick={() => setConfirming(false)} disabled={busy}>
                Keep it
              </button>
              <button type="button" className="button button--danger" onClick={() => void revoke()} disabled={busy}>
                {busy ? 'Revoking…' : 'Revoke device'}
              </button>
            </span>
          </span>
        )}
      </span>
      {!device.isThisDevice && !confirming && (
        <button type="button" className="button button--secondary device__revoke" aria-label={`Revoke ${device.name}`} onClick={() => setConfirming(true)}>
          Revoke
        </button>
      )}
    </li>
  );
}
