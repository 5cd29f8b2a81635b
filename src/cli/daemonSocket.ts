/**
 * The daemon's Unix socket file: refuse when another daemon answers on it,
 * remove it when it is a stale leftover (a socket nobody listens on, never any
 * other kind of file), create it 0600, and remove it on shutdown.
 */
import { lstat, unlink, chmod } from 'node:fs/promises';
import net from 'node:net';
import { DAEMON_SOCKET_PROBE_MS } from '../shared/constants';
import { DaemonError } from './daemonRpc';

/** True if something accepts connections on `file` within the probe time (a timeout counts as alive: never delete a busy daemon's socket). */
function answers(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(file);
    const done = (alive: boolean) => {
      clearTimeout(timer);
      probe.destroy();
      resolve(alive);
    };
    const timer = setTimeout(() => done(true), DAEMON_SOCKET_PROBE_MS);
    probe.once('connect', () => done(true));
    probe.once('error', () => done(false));
  });
}

/** Makes `file` free for a new socket: nothing there, or a stale socket (removed); throws DaemonError otherwise. */
export async function claimSocketPath(file: string): Promise<void> {
  const info = await lstat(file).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw e;
  });
  if (info === null) return;
  if (!info.isSocket()) throw new DaemonError('DAEMON_SOCKET_NOT_SOCKET', `${file} exists and is not a socket; choose another --socket path.`);
  if (await answers(file)) throw new DaemonError('DAEMON_SOCKET_IN_USE', `Another daemon is listening on ${file}.`);
  await unlink(file).catch((e: NodeJS.ErrnoException) => {
    // Gone already (another starter removed it first): the path is free either way.
    if (e.code !== 'ENOENT') throw e;
  });
}

/** Listens on `file`, created with mode 0600 (the umask is narrowed while the socket is bound, then the mode is set again). */
export async function listenPrivate(server: net.Server, file: string): Promise<void> {
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(file, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(umask);
  }
  await chmod(file, 0o600);
}

/** Removes the socket file on shutdown if it is still a socket (never some other file put there since). */
export async function releaseSocketPath(file: string): Promise<void> {
  const info = await lstat(file).catch(() => null);
  if (info?.isSocket()) await unlink(file);
}
