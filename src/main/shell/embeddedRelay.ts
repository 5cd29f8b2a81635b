/**
 * The embedded default relay: when no relay is configured, or the default
 * one on this machine is not answering, the app runs one in-process on
 * loopback so a new user has a working messenger at once.
 */
import { EMBEDDED_RELAY_PROBE_MS } from '../../shared/constants';
import net from 'node:net';
import pino from 'pino';
import { startRelay, type RunningRelay } from '../../relay/server';

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(EMBEDDED_RELAY_PROBE_MS, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** Starts the embedded relay when the relay URL is on loopback and nothing answers there; null when not needed. */
export async function ensureLocalRelay(relayUrl: string, dataDir: string): Promise<RunningRelay | null> {
  const u = new URL(relayUrl);
  if (u.hostname !== '127.0.0.1' && u.hostname !== 'localhost') return null;
  const port = Number(u.port || 80);
  if (await reachable(u.hostname, port)) return null;
  return startRelay({ host: '127.0.0.1', port, dataDir, logger: pino({ level: 'warn' }) });
}
