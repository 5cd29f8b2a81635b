import { useEffect, useState } from 'react';
import { useStore } from './store/root';
import { selectScreen } from './store/session/selectors';
import { Welcome, type WelcomeChoice } from './screens/onboarding/Welcome';
import { CreateAccount } from './screens/onboarding/CreateAccount';
import { LinkDevice } from './screens/onboarding/LinkDevice';
import { RestoreAccount } from './screens/onboarding/RestoreAccount';
import { RecoveryPhrase } from './screens/onboarding/RecoveryPhrase';
import { Unlock } from './screens/Unlock';
import { Main } from './screens/Main';
import { ConnectionBadge } from './components/ConnectionBadge';

/** The screens behind the welcome screen's choices. */
const ONBOARDING = { create: CreateAccount, link: LinkDevice, restore: RestoreAccount } as const;

/** The root component: the screen for the session state (loading, welcome and onboarding, phrase, unlock, main). */
export function App() {
  const screen = useStore(selectScreen);
  const loadAppInfo = useStore((s) => s.loadAppInfo);
  const watchConnection = useStore((s) => s.watchConnection);
  const loadSession = useStore((s) => s.loadSession);
  const watchSession = useStore((s) => s.watchSession);
  const [choice, setChoice] = useState<WelcomeChoice | null>(null);

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
  // Leaving the welcome screen (an account now exists) ends the choice made there.
  useEffect(() => {
    if (screen !== 'welcome') setChoice(null);
  }, [screen]);
  const Chosen = choice ? ONBOARDING[choice] : null;

  if (screen === 'main') return <Main />;
  return (
    <div className="app">
      {screen === 'loading' && <main className="onboarding" aria-busy="true" />}
      {screen === 'welcome' && (Chosen ? <Chosen onBack={() => setChoice(null)} /> : <Welcome onChoose={setChoice} />)}
      {screen === 'phrase' && <RecoveryPhrase />}
      {screen === 'unlock' && <Unlock />}
      <footer className="app__footer">
        <ConnectionBadge />
      </footer>
    </div>
  );
}
