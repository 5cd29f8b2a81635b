/**
 * `parley daemon [--socket PATH]`: unlocks the profile once, keeps one relay
 * connection, and serves JSON-RPC 2.0 (daemonRpc.ts, methods in
 * daemonMethods.ts) on stdin/stdout — one JSON object per line — or on a
 * Unix socket created 0600 for any number of clients up to a limit. Every
 * client gets a `receive` notification for each received message and
 * receipt (daemonEvents.ts). It stops on SIGTERM/SIGINT, at the end of stdin
 * (stdio mode) or when this device is revoked: in-flight requests are
 * answered, the profile is closed and the socket removed.
 */
import net from 'node:net';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { DAEMON_MAX_CLIENTS, DAEMON_MAX_LINE_BYTES } from '../shared/constants';
import { Messenger } from '../main/messenger/messenger';
import type { ConnectionState } from '../shared/contract';
import type { CliIo } from './run';
import { answerLine, notificationLine, RPC_ERROR, type InternalFault } from './daemonRpc';
import { DAEMON_METHODS, type DaemonContext } from './daemonMethods';
import { DaemonNotifier } from './daemonEvents';
import { claimSocketPath, listenPrivate, releaseSocketPath } from './daemonSocket';

/** Where the daemon's profile is and how it serves. */
export interface DaemonOptions {
  readonly dataDir: string;
  readonly relayUrl: string | null;
  /** A Unix socket path, or null for stdin/stdout. */
  readonly socket: string | null;
}

/** One connected client: how to write it a line. */
interface Client {
  write(line: string): void;
}

/**
 * Splits a byte stream into lines (without the newline), at most
 * DAEMON_MAX_LINE_BYTES each; a longer line is skipped up to its newline and
 * reported through `tooLong`. Resolves when the stream ends.
 */
function readLines(stream: Readable, onLine: (line: string) => void, tooLong: () => void): Promise<void> {
  let pending: Buffer[] = [];
  let size = 0;
  let skipping = false;
  return new Promise((resolve) => {
    stream.on('data', (chunk: Buffer | string) => {
      let buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10)) {
        const line = Buffer.concat([...pending, buf.subarray(0, nl)]);
        if (!skipping && line.length <= DAEMON_MAX_LINE_BYTES) onLine(line.toString('utf8').replace(/\r$/u, ''));
        else if (!skipping) tooLong();
        skipping = false;
        pending = [];
        size = 0;
        buf = buf.subarray(nl + 1);
      }
      if (skipping) return;
      size += buf.length;
      if (size > DAEMON_MAX_LINE_BYTES) {
        tooLong();
        skipping = true;
        pending = [];
        size = 0;
      } else if (buf.length > 0) pending.push(buf);
    });
    stream.once('end', () => resolve());
    stream.once('close', () => resolve());
    stream.once('error', () => resolve());
  });
}

const tooLongLine = JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: RPC_ERROR.invalidRequest, message: `A request line is at most ${DAEMON_MAX_LINE_BYTES} bytes.` } });

/** Runs the daemon until it is stopped; returns the exit status (errors before it serves are thrown to runCli). */
export async function runDaemon(o: DaemonOptions, io: CliIo, passphrase: () => Promise<string>): Promise<number> {
  const socketPath = o.socket === null ? null : path.resolve(o.socket);
  // Before the slow unlock: a daemon already serving this path is refused at once.
  if (socketPath !== null) await claimSocketPath(socketPath);
  const warn = (value: Record<string, unknown>) => io.err(JSON.stringify(value));
  let keyWarned = false;
  const onConnection = (s: ConnectionState) => {
    if (s.reason !== 'relayKeyChanged' || keyWarned) return;
    keyWarned = true;
    warn({ warning: 'RELAY_KEY_CHANGED', relay: s.relay, relayKey: s.relayKey, message: 'The relay presented a different identity key than the one pinned for it, so Parley did not sign in. Check it with the relay operator, then call relayTrust.' });
  };
  const messenger = await Messenger.open({ dir: o.dataDir, passphrase: await passphrase(), relayUrl: o.relayUrl ?? undefined, onConnection });

  const ctx: DaemonContext = { messenger };
  const clients = new Set<Client>();
  const inFlight = new Set<Promise<void>>();
  const fault: InternalFault = (method, e) => warn({ warning: 'DAEMON_INTERNAL', method, error: e instanceof Error ? e.name : typeof e });
  const notifier = new DaemonNotifier(messenger, () => clients.size > 0, (event) => {
    const line = notificationLine('receive', event);
    for (const c of clients) c.write(line);
  });
  const serve = (client: Client) => (line: string) => {
    if (line.trim() === '') return;
    const work = answerLine(line, DAEMON_METHODS, ctx, fault).then((reply) => {
      if (reply !== null) client.write(reply);
    });
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };

  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  void io.stopSignal.then(() => stop());
  messenger.bus.on('revoked', () => stop());

  let server: net.Server | null = null;
  const sockets = new Set<net.Socket>();
  try {
    if (socketPath === null) {
      const client: Client = { write: (line) => io.out(line) };
      clients.add(client);
      if (io.input) void readLines(io.input, serve(client), () => client.write(tooLongLine)).then(() => stop());
      warn({ ready: true, transport: 'stdio', accountId: messenger.keys.accountId });
    } else {
      server = net.createServer((socket) => {
        sockets.add(socket);
        const client: Client = { write: (line) => void (socket.writable && socket.write(`${line}\n`)) };
        clients.add(client);
        socket.on('error', () => socket.destroy()); // A client that went away: its close below forgets it.
        socket.once('close', () => {
          clients.delete(client);
          sockets.delete(socket);
        });
        void readLines(socket, serve(client), () => client.write(tooLongLine));
        notifier.flush();
      });
      server.maxConnections = DAEMON_MAX_CLIENTS;
      await listenPrivate(server, socketPath);
      warn({ ready: true, transport: 'socket', socket: socketPath, accountId: messenger.keys.accountId });
    }
    notifier.flush();
    await stopped;
  } finally {
    server?.close();
    await Promise.allSettled([...inFlight]);
    for (const socket of sockets) socket.end();
    notifier.stop();
    clients.clear();
    if (socketPath !== null) await releaseSocketPath(socketPath);
    // A revoked profile is already closed and wiped.
    if (messenger.revoked === null) await messenger.close();
  }
  return 0;
}
