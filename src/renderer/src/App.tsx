import { useEffect } from 'react';
import { useStore } from './store/root';
import { Welcome } from './screens/Welcome';
import { ConnectionBadge } from './components/ConnectionBadge';

export function App() {
  const loadAppInfo = useStore((s) => s.loadAppInfo);
  const watchConnection = useStore((s) => s.watchConnection);

  useEffect(() => {
    void loadAppInfo();
    return watchConnection();
  }, [loadAppInfo, watchConnection]);

  return (
    <div className="app">
      <Welcome />
      <footer className="app__footer">
        <ConnectionBadge />
      </footer>
    </div>
  );
}
