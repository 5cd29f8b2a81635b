import { Logo } from '../../components/Logo';
import { useStore } from '../../store/root';
import { selectAppInfo } from '../../store/app/selectors';

export function Welcome({ onCreate }: { onCreate: () => void }) {
  const appInfo = useStore(selectAppInfo);
  return (
    <main className="onboarding" aria-labelledby="welcome-title">
      <div className="card">
        <Logo size={72} />
        <h1 id="welcome-title">Parley</h1>
        <p className="muted">Private conversations, end-to-end encrypted on your desktop. No phone number, no phone needed.</p>
        <div className="stack">
          <button type="button" className="button" onClick={onCreate}>
            Create a new account
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
