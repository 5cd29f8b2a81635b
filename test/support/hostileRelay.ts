/**
 * A hostile relay for tests: a WebSocket proxy between clients and the real
 * relay that can rewrite, drop, replay, reorder or inject frames in either
 * direction. It forwards the client's Host header, so authentication passes
 * through it as it would through a relay in the middle; plain HTTP requests
 * (blobs) are forwarded unchanged.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { RELAY_WS_PATH } from '../../src/shared/constants';
import { decodePushes } from '../../src/shared/wire/pushFrame';
import { BINARY_SEND_TAG, decodeBinarySend } from '../../src/shared/wire/binarySend';
import { jsonSendOf } from '../../src/relay/binarySendFrame';

/** One proxied connection: send raw frames either way, or read what passed. */
export interface ProxiedConnection {
  /** Sends a text frame, or a binary one (a binary pushes frame, docs/protocol.md §3.1.1) when given bytes. */
  toClient(frame: string | Uint8Array): void;
  /** Sends a text frame, or a binary one (sendMulti) when given bytes. */
  toRelay(frame: string | Uint8Array): void;
  /** Drops both sides of this connection at once (a relay in the middle that hangs up). */
  close(): void;
  /** Whether the client side is still open. */
  readonly open: boolean;
  /**
   * Text frames as text; binary frames from clients (sendMulti uploads) as `frame: '<binary>'` with their bytes,
   * except a binary `send`, seen (with its bytes), hooked and passed on as the JSON `send` it stands for.
   * A binary pushes frame from the relay is seen as the JSON `message` frames it stands for, each with the
   * frame's bytes; those are what `down` gets and what the client is sent (clients take both), so every
   * hook sees every envelope the same way.
   */
  readonly seen: { readonly dir: 'up' | 'down'; readonly frame: string; readonly binary?: Uint8Array }[];
}

/** What a hook decides for a frame: pass it (possibly rewritten), or drop it (null). */
export type FrameHook = (frame: string, conn: ProxiedConnection) => string | null;
/** The same for a binary frame from a client (sendMulti): pass it (possibly rewritten), or withhold it (null). */
export type BinaryHook = (frame: Uint8Array, conn: ProxiedConnection) => Uint8Array | null;

export interface HostileRelay {
  readonly url: string;
  /** Frames from clients to the relay. */
  up: FrameHook;
  /** Frames from the relay to clients. */
  down: FrameHook;
  /** Binary frames from clients to the relay. */
  upBinary: BinaryHook;
  readonly connections: ProxiedConnection[];
  /** Points new connections (and HTTP requests) at another relay address, e.g. a relay restarted on a new port. */
  retarget(relayUrl: string): void;
  close(): Promise<void>;
}

const pass: FrameHook = (f) => f;

/** A binary `send` from a client as the JSON `send` it stands for (what `up` gets and the relay is sent), or null for any other binary frame. */
function binarySendAsJson(data: Buffer): string | null {
  if (data[0] !== BINARY_SEND_TAG) return null;
  const f = decodeBinarySend(new Uint8Array(data));
  if ('code' in f) return null; // passed on as it is: the relay refuses it
  return JSON.stringify(jsonSendOf(f));
}

/** A binary pushes frame from the relay as the JSON `message` frames it stands for (an unreadable one as one line the client drops). */
function pushesAsJson(data: Buffer): string[] {
  const ms = decodePushes(new Uint8Array(data));
  if (!ms) return ['<malformed binary pushes>'];
  return ms.map((m) => JSON.stringify({ v: 1, type: 'message', id: m.id, ts: m.ts, envelope: Buffer.from(m.envelope).toString('base64url') }));
}
const passBinary: BinaryHook = (f) => f;

/** Starts a proxy on loopback in front of `relayUrl` (ws://host:port). */
export async function startHostileRelay(relayUrl: string): Promise<HostileRelay> {
  let target = new URL(relayUrl);
  // Plain HTTP (attachment and history blobs, backups) passes through unchanged, as through any relay in the middle.
  const server = http.createServer((req, res) => {
    const up = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    req.pipe(up);
  });
  const wss = new WebSocketServer({ server });
  const proxy: HostileRelay = {
    url: '',
    up: pass,
    down: pass,
    upBinary: passBinary,
    connections: [],
    retarget: (url) => void (target = new URL(url)),
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  wss.on('connection', (client, req) => {
    const upstream = new WebSocket(`ws://${target.host}${req.url ?? RELAY_WS_PATH}`, { headers: { host: req.headers.host ?? target.host }, perMessageDeflate: false });
    const pending: (string | Uint8Array)[] = [];
    const conn: ProxiedConnection = {
      seen: [],
      get open() {
        return client.readyState === WebSocket.OPEN;
      },
      toClient: (f) => client.readyState === WebSocket.OPEN && client.send(f, { binary: typeof f !== 'string' }),
      toRelay: (f) => (upstream.readyState === WebSocket.OPEN ? upstream.send(f) : pending.push(f)),
      close: () => {
        client.terminate();
        upstream.terminate();
      },
    };
    proxy.connections.push(conn);
    upstream.on('open', () => {
      for (const f of pending.splice(0)) upstream.send(f);
    });
    upstream.on('message', (data, isBinary) => {
      for (const line of isBinary ? pushesAsJson(data as Buffer) : String(data).split('\n')) {
        conn.seen.push({ dir: 'down', frame: line, ...(isBinary ? { binary: new Uint8Array(data as Buffer) } : {}) });
        const out = proxy.down(line, conn);
        if (out !== null) conn.toClient(out);
      }
    });
    client.on('message', (data, isBinary) => {
      const asJson = isBinary ? binarySendAsJson(data as Buffer) : null;
      if (isBinary && asJson === null) {
        const bytes = new Uint8Array(data as Buffer);
        conn.seen.push({ dir: 'up', frame: '<binary>', binary: bytes });
        const out = proxy.upBinary(bytes, conn);
        if (out !== null) conn.toRelay(out);
        return;
      }
      const line = asJson ?? String(data);
      conn.seen.push({ dir: 'up', frame: line, ...(asJson !== null ? { binary: new Uint8Array(data as Buffer) } : {}) });
      const out = proxy.up(line, conn);
      if (out !== null) conn.toRelay(out);
    });
    upstream.on('close', () => client.close());
    client.on('close', () => upstream.close());
    upstream.on('error', () => client.terminate());
    client.on('error', () => upstream.terminate());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(proxy, { url: `ws://127.0.0.1:${port}` });
}

/**
 * Drops the connection of device `deviceId` under each of its requests for
 * `accountId`'s device list while `on` (a relay in the middle hanging up):
 * that device cannot learn the account's devices until the switch is off.
 * Sets `proxy.up`.
 */
export function refuseListFetches(proxy: HostileRelay, deviceId: string, accountId: string): { on: boolean } {
  const cut = { on: true };
  proxy.up = (frame, conn) => {
    const fromDevice = conn.seen.some((x) => x.dir === 'up' && x.frame.includes('"type":"auth"') && x.frame.includes(`"deviceId":"${deviceId}"`));
    if (cut.on && fromDevice && frame.includes('"getDeviceList"') && frame.includes(accountId)) {
      conn.close();
      return null;
    }
    return frame;
  };
  return cut;
}

/**
 * Answers device `deviceId`'s requests for `accountId`'s device list with
 * `list` (an older signed list the relay once served) while `on`: a relay
 * in the middle withholding a newer list by replaying an old one, which
 * still verifies. Sets `proxy.up` and `proxy.down`.
 */
export function answerListWith(proxy: HostileRelay, deviceId: string, accountId: string, list: unknown): { on: boolean } {
  const replay = { on: true };
  const asked = new WeakMap<ProxiedConnection, Set<number>>();
  proxy.up = (frame, conn) => {
    const fromDevice = conn.seen.some((x) => x.dir === 'up' && x.frame.includes('"type":"auth"') && x.frame.includes(`"deviceId":"${deviceId}"`));
    if (fromDevice && frame.includes('"getDeviceList"') && frame.includes(accountId)) {
      const ids = asked.get(conn) ?? new Set<number>();
      ids.add((JSON.parse(frame) as { id: number }).id);
      asked.set(conn, ids);
    }
    return frame;
  };
  proxy.down = (frame, conn) => {
    if (!replay.on || !frame.includes('"response"')) return frame;
    const f = JSON.parse(frame) as { type?: string; id?: number; ok?: boolean };
    if (f.type !== 'response' || f.ok !== true || f.id === undefined || !asked.get(conn)?.has(f.id)) return frame;
    return JSON.stringify({ ...f, body: list });
  };
  return replay;
}

/** Holds back every envelope the relay pushes through `proxy` (sets `proxy.down`; set it again to let them through); counts them. */
export function holdEnvelopes(proxy: HostileRelay): { count: number } {
  const held = { count: 0 };
  proxy.down = (f) => {
    if ((JSON.parse(f) as { type?: string }).type !== 'message') return f;
    held.count++;
    return null;
  };
  return held;
}

/** The request id the proxy's own acks use: a client counts its ids up from 1 and never gets this high. */
const PROXY_ACK_ID = 2 ** 31;

/**
 * Withholds for good every envelope the relay pushes through `proxy` while
 * `on`: drops it and acks it to the relay in the client's name, so the
 * relay deletes it and never offers it again (a hostile relay that drops a
 * message for good, not one that only delays it). The relay's replies to
 * those acks are dropped too. Sets `proxy.down`; counts what it dropped.
 */
export function dropForGood(proxy: HostileRelay): { on: boolean; count: number } {
  const state = { on: true, count: 0 };
  proxy.down = (f, conn) => {
    const frame = JSON.parse(f) as { type?: string; id?: unknown };
    if (frame.type === 'response' && frame.id === PROXY_ACK_ID) return null;
    if (!state.on || frame.type !== 'message') return f;
    state.count++;
    conn.toRelay(JSON.stringify({ v: 1, type: 'ack', id: PROXY_ACK_ID, ids: [frame.id] }));
    return null;
  };
  return state;
}
