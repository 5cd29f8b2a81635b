import { useEffect, useState } from 'react';
import { useStore } from './store/root';
import { selectScreen } from './store/session/selectors';
import { Welcome } from './screens/onboarding/Welcome';
import { CreateAccount } from './screens/onboarding/CreateAccount';
import { RecoveryPhrase } from './screens/onboarding/RecoveryPhrase';
import { Unlock } from './screens/Unlock';
import { Main } from './screens/Main';
import { ConnectionBadge } from './components/ConnectionBadge';

export function App() {
  const screen = useStore(selectScreen);
  const loadAppInfo = useStore((s) => s.loadAppInfo);
  const watchConnection = useStore((s) => s.watchConnection);
  const loadSession = useStore((s) => s.loadSession);
  const watchSession = useStore((s) => s.watchSession);
  const [creating, setCreating] = useState(false);

  useEffect(() => {
    void loadAppInfo();
    void loadSession();
    const a = watchConnection();
    const b = watchSession();
    return () => {
      a();
      b();
    };
  }, [loadAppInfo, watchConnection, loadSession, watchSession]);

  if (screen === 'main') return <Main />;
  return (
    <div className="app">
      {screen === 'loading' && <main className="onboarding" aria-busy="true" />}
      {screen === 'welcome' && (creating ? <CreateAccount onBack={() => setCreating(false)} /> : <Welcome onCreate={() => setCreating(true)} />)}
      {screen === 'phrase' && <RecoveryPhrase />}
      {screen === 'unlock' && <Unlock />}
      <footer className="app__footer">
        <ConnectionBadge />
      </footer>
    </div>
  );
}
