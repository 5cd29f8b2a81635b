import { Logo } from '../../components/Logo';
import { useStore } from '../../store/root';
import { selectAppInfo } from '../../store/app/selectors';
import { selectDeviceRemoved } from '../../store/session/selectors';

/** What the user chose on the welcome screen: a new account, linking to one, or restoring one. */
export type WelcomeChoice = 'create' | 'link' | 'restore';

/** The first screen: create an account, link this desktop, or restore from a recovery phrase. */
export function Welcome({ onChoose }: { onChoose: (choice: WelcomeChoice) => void }) {
  const appInfo = useStore(selectAppInfo);
  const removed = useStore(selectDeviceRemoved);
  const dismissRemoved = useStore((s) => s.dismissDeviceRemoved);
  const choose = (choice: WelcomeChoice) => {
    dismissRemoved();
    onChoose(choice);
  };
  return (
    <main className="onboarding" aria-labelledby="welcome-title">
      <div className="card">
        <Logo size={72} />
        <h1 id="welcome-title">Parley</h1>
        {removed && (
          <div className="notice" role="status">
            <strong>This desktop was removed from your account.</strong> It was revoked from another desktop, or the account was restored elsewhere
            from its recovery phrase, so Parley deleted the account’s keys and messages from this computer. You can link it again.
          </div>
        )}
        <p className="muted">Private conversations, end-to-end encrypted on your desktop. No phone number, no phone needed.</p>
        <div className="stack">
          <button type="button" className="button" onClick={() => choose('create')}>
            Create a new account
          </button>
          <button type="button" className="button button--secondary" onClick={() => choose('link')}>
            Link to an existing account
          </button>
          <button type="button" className="button button--secondary" onClick={() => choose('restore')}>
            Restore from recovery phrase
          </button>
        </div>
        <section className="build" aria-label="About this build">
          {appInfo.status === 'ready' && (
            <dl>
              <dt>Version</dt>
              <dd>{appInfo.info.version}</dd>
              <dt>Crypto library</dt>
              <dd>
                {appInfo.info.crypto.library} {appInfo.info.crypto.libraryVersion}
              </dd>
              <dt>Message cipher</dt>
              <dd>{appInfo.info.crypto.aead}</dd>
              <dt>Post-quantum KEM</dt>
              <dd>{appInfo.info.crypto.kem}</dd>
            </dl>
          )}
          {appInfo.status === 'loading' && <p>Loading…</p>}
          {appInfo.status === 'error' && (
            <p role="alert">
              Could not read this build’s details ({appInfo.code}): {appInfo.message}
            </p>
          )}
        </section>
      </div>
    </main>
  );
}
