import { useState } from 'react';
import { useStore } from '../store/root';

/**
 * Offered on the Devices screen right after a revocation (docs/protocol.md
 * §6.8): the removed device still holds the account key, so revoking alone
 * does not stop a thief. "Secure my account" rotates the account key and
 * phrase and retires the old key on the relay, after main's own confirmation.
 */
export function SecureAccountPanel() {
  const revokedName = useStore((s) => s.revokedName);
  const secureAccount = useStore((s) => s.secureAccount);
  const dismiss = useStore((s) => s.dismissSecure);
  const [busy, setBusy] = useState(false);
  if (revokedName === null) return null;
  const secure = async () => {
    setBusy(true);
    await secureAccount();
    setBusy(false);
  };
  return (
    <div className="warning warning--danger secure-panel" role="region" aria-label="Remove and secure">
      <p>
        <strong>“{revokedName}” is removed, but it still has a copy of your account key.</strong> If it was lost or stolen, secure your
        account: Parley makes a new account key and recovery phrase, the relay refuses the old key for good, and the backup made with the
        old phrase is deleted. Your contacts will see that your safety number changed; your other desktops switch automatically.
      </p>
      <div className="row row--end">
        <button type="button" className="button button--secondary" onClick={dismiss} disabled={busy}>
          Not now
        </button>
        <button type="button" className="button button--danger" onClick={() => void secure()} disabled={busy}>
          {busy ? 'Securing…' : 'Secure my account'}
        </button>
      </div>
    </div>
  );
}
