/**
 * One WebSocket connection: challenge, authentication, frame validation and
 * at-least-once delivery with explicit acks. Bad frames get a typed error
 * response and the connection keeps working; nothing a client sends can
 * throw out of here.
 */
import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import { RELAY_DELIVERY_WINDOW, RELAY_DELIVERY_WINDOW_BYTES, RELAY_OUTBOX_FLUSH_BYTES, RELAY_PROTOCOL_VERSION } from '../shared/constants';
import { toBase64Url } from '../shared/wire/encoding';
import type { SignedDeviceList } from '../shared/wire/deviceList';
import {
  CLIENT_FRAME_TYPES, clientFrameSchema, RELAY_CHALLENGE_BYTES, type ClientFrame, type PrekeyCounts, type RelayErrorCode, type RelayErrorDetails, type ServerFrame,
} from '../shared/wire/relay';
import type { LiveSession, RelayContext } from './context';
import { RelayError } from './errors';
import { handleRequest } from './handlers';
import { sendMulti } from './sendMulti';
import { decodeSendMulti } from '../shared/wire/multiSend';
import { BINARY_SEND_TAG, decodeBinarySend } from '../shared/wire/binarySend';
import { encodePushes, fitsPush, pushedBytes, PUSH_MAX_MESSAGES, type PushedMessage } from '../shared/wire/pushFrame';
import { jsonSendOf } from './binarySendFrame';
import { TokenBuckets } from './rateLimit';
import { deviceKeyOf, type DeviceKey, type QueuedMessage } from './store/types';

/** Where one connection stands: challenged, authenticated as a device, or closed. */
export type SessionState =
  | { readonly kind: 'challenged'; readonly nonce: Uint8Array }
  | { readonly kind: 'authenticated'; readonly accountId: string; readonly deviceId: string; readonly deviceKey: DeviceKey }
  | { readonly kind: 'closed' };

/** WebSocket close code: the auth frame failed verification. */
export const CLOSE_AUTH_FAILED = 4001;
/** WebSocket close code: no auth frame arrived within RELAY_AUTH_TIMEOUT_MS. */
export const CLOSE_AUTH_TIMEOUT = 4002;
/** WebSocket close code: the device was removed from its account's device list. */
export const CLOSE_REVOKED = 4003;

/** One client WebSocket connection: authenticates it, runs its request frames, and delivers its queued messages with flow control. */
export class Session implements LiveSession {
  state: SessionState;
  /** Pushed and not yet acked: message id → its envelope's length (RELAY_DELIVERY_WINDOW and _BYTES bound both). */
  private readonly inflight = new Map<string, number>();
  private inflightBytes = 0;
  /**
   * Highest id pushed, when ids commit in order (SQLite's single writer); with
   * PostgreSQL ids from other instances may commit out of order, so every read
   * rescans from the oldest unacked message and skips those in flight.
   */
  private cursor = '0';
  /** True when everything queued has been pushed, so new messages can go out without a read. */
  private caughtUp = false;
  private pumping = false;
  /** The one provisioning channel this connection may hold open. */
  provisioningChannel: string | null = null;
  /** What goes out at the next flush, in order: JSON frames, and message pushes for a client that asked for binary ones. */
  private outbox: (string | PushedMessage)[] = [];
  /** Whether this client asked for binary message pushes (the `options` request). */
  binaryPushes = false;
  private outboxBytes = 0;
  private flushScheduled = false;
  private pumpAgain = false;
  private readonly frameBucket: TokenBuckets;
  private authTimer: NodeJS.Timeout | null;
  private pending = 0;

  constructor(
    private readonly ws: WebSocket,
    readonly host: string,
    private readonly ctx: RelayContext,
  ) {
    const nonce = randomBytes(RELAY_CHALLENGE_BYTES);
    this.state = { kind: 'challenged', nonce };
    this.frameBucket = new TokenBuckets(ctx.limits.frameBurst, 1000 / ctx.limits.frameRatePerSec, 1);
    this.authTimer = setTimeout(() => this.close(CLOSE_AUTH_TIMEOUT, 'auth timeout'), ctx.limits.authTimeoutMs);
    ws.on('message', (data, isBinary) => this.onFrame(data as Buffer, isBinary));
    ws.on('close', () => this.onClose());
    ws.on('error', () => this.onClose());
    const relaySignature = toBase64Url(ctx.identity.signChallenge(nonce));
    this.send({ v: RELAY_PROTOCOL_VERSION, type: 'challenge', nonce: toBase64Url(nonce), relayKey: ctx.identity.keyId, relaySignature });
  }

  get accountId(): string | null {
    return this.state.kind === 'authenticated' ? this.state.accountId : null;
  }
  get deviceId(): string | null {
    return this.state.kind === 'authenticated' ? this.state.deviceId : null;
  }

  /**
   * Frames produced in one event-loop turn leave as one WebSocket message,
   * newline-separated (docs/protocol.md §3): one write instead of many.
   */
  send(frame: ServerFrame): void {
    const text = JSON.stringify(frame);
    this.queue(text, text.length);
  }

  private queue(item: string | PushedMessage, bytes: number): void {
    if (this.state.kind === 'closed' || this.ws.readyState !== this.ws.OPEN) return;
    this.outbox.push(item);
    this.outboxBytes += bytes;
    if (this.outboxBytes >= RELAY_OUTBOX_FLUSH_BYTES) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(() => this.flush());
    }
  }

  /** Sends what is queued, in order: each run of JSON frames as one text message, each run of pushes as one binary message. */
  private flush(): void {
    this.flushScheduled = false;
    if (this.outbox.length === 0) return;
    const items = this.outbox;
    this.outbox = [];
    this.outboxBytes = 0;
    for (let i = 0; i < items.length && this.ws.readyState === this.ws.OPEN;) {
      let j = i;
      if (typeof items[i] === 'string') {
        while (j < items.length && typeof items[j] === 'string') j++;
        this.ws.send(j - i === 1 ? (items[i] as string) : (items.slice(i, j) as string[]).join('\n'));
      } else {
        while (j < items.length && typeof items[j] !== 'string' && j - i < PUSH_MAX_MESSAGES) j++;
        this.ws.send(encodePushes(items.slice(i, j) as PushedMessage[]), { binary: true });
      }
      i = j;
    }
  }

  fail(id: number | null, code: RelayErrorCode, message: string, details?: RelayErrorDetails): void {
    this.ctx.metrics.reject(code);
    this.ctx.log.debug({ code }, 'request refused');
    this.send({ v: RELAY_PROTOCOL_VERSION, type: 'response', id, ok: false, code, message, ...(details ? { details } : {}) });
  }

  close(code: number, reason: string): void {
    if (this.state.kind === 'closed') return;
    this.flush();
    this.ws.close(code, reason);
    this.onClose();
  }

  /** Extends the unauthenticated lifetime (an open provisioning channel waits longer than a login). */
  extendUnauthenticated(ms: number): void {
    if (!this.authTimer) return;
    clearTimeout(this.authTimer);
    this.authTimer = setTimeout(() => this.close(CLOSE_AUTH_TIMEOUT, 'expired'), ms);
  }

  authenticated(accountId: string, deviceId: string): void {
    const deviceKey = deviceKeyOf(accountId, deviceId);
    this.state = { kind: 'authenticated', accountId, deviceId, deviceKey };
    if (this.authTimer) clearTimeout(this.authTimer);
    this.authTimer = null;
    let set = this.ctx.sessions.get(deviceKey);
    if (!set) this.ctx.sessions.set(deviceKey, (set = new Set()));
    set.add(this);
    this.ctx.metrics.authenticated++;
    this.ctx.log.debug({ sessions: this.ctx.sessions.size }, 'device authenticated');
    void this.announceBacklog(deviceKey);
    this.pump();
  }

  /** Tells a device how many messages wait for it when it signs in (docs/protocol.md §3.4), so it can show "Receiving N of M". */
  private async announceBacklog(deviceKey: string): Promise<void> {
    try {
      const queued = await this.ctx.store.pendingCount(deviceKey, Date.now());
      if (queued > 0) this.send({ v: RELAY_PROTOCOL_VERSION, type: 'backlog', queued });
    } catch (e) {
      // Only progress display depends on it; delivery goes on.
      this.ctx.log.warn({ err: e instanceof Error ? e.name : 'unknown' }, 'backlog count failed');
    }
  }

  /** The device left its account's list: it gets that list first (so it can verify its revocation), then the 4003 close. */
  revoked(list: SignedDeviceList | null): void {
    if (list) this.send({ v: RELAY_PROTOCOL_VERSION, type: 'deviceList', list });
    this.close(CLOSE_REVOKED, 'device revoked');
  }

  deliverProvisioning(channelId: string, payload: string): void {
    this.send({ v: RELAY_PROTOCOL_VERSION, type: 'provision', channelId, payload });
  }

  prekeysLow(counts: PrekeyCounts): void {
    this.send({ v: RELAY_PROTOCOL_VERSION, type: 'prekeysLow', counts });
  }

  private onClose(): void {
    const previous = this.state;
    if (previous.kind === 'closed') return;
    this.state = { kind: 'closed' };
    if (this.authTimer) clearTimeout(this.authTimer);
    this.ctx.metrics.connections--;
    this.ctx.log.debug({ authenticated: previous.kind === 'authenticated', inflight: this.inflight.size }, 'connection closed');
    if (previous.kind === 'authenticated') {
      this.ctx.metrics.authenticated--;
      const set = this.ctx.sessions.get(previous.deviceKey);
      set?.delete(this);
      if (set?.size === 0) this.ctx.sessions.delete(previous.deviceKey);
    }
    if (this.provisioningChannel !== null) this.ctx.provisioning.delete(this.provisioningChannel);
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
    if (this.state.kind === 'closed') return;
    if (!this.frameBucket.take('f')) return this.fail(null, 'RATE_LIMITED', 'too many frames');
    if (isBinary) return this.onBinary(data);
    let raw: unknown;
    try {
      raw = JSON.parse(data.toString('utf8'));
    } catch {
      return this.fail(null, 'BAD_FRAME', 'frame is not JSON');
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return this.fail(null, 'BAD_FRAME', 'frame is not an object');
    const obj = raw as Record<string, unknown>;
    const id = typeof obj.id === 'number' && Number.isInteger(obj.id) && obj.id >= 0 && obj.id <= 2 ** 31 ? obj.id : null;
    if (obj.v !== RELAY_PROTOCOL_VERSION) return this.fail(id, 'UNSUPPORTED_VERSION', `frame version must be ${RELAY_PROTOCOL_VERSION}`);
    if (typeof obj.type !== 'string' || !CLIENT_FRAME_TYPES.includes(obj.type)) return this.fail(id, 'UNKNOWN_TYPE', 'unknown frame type');
    const parsed = clientFrameSchema.safeParse(raw);
    if (!parsed.success) return this.fail(id, 'BAD_FRAME', `invalid ${obj.type} frame`);
    const frame: ClientFrame = parsed.data;
    this.dispatch(frame.id, frame.type, () => handleRequest(this, this.ctx, frame));
  }

  /**
   * The binary client frames, told apart by their first byte: sendMulti
   * (docs/protocol.md §3.5.1) and the binary `send` (§3.5), which runs as
   * the JSON `send` it stands for. A malformed one gets a typed refusal like a bad JSON frame.
   */
  private onBinary(data: Buffer): void {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (bytes[0] === BINARY_SEND_TAG) {
      const f = decodeBinarySend(bytes);
      if ('code' in f) return this.fail(f.id, f.code, f.message);
      const frame = jsonSendOf(f);
      return this.dispatch(f.id, 'send', () => handleRequest(this, this.ctx, frame));
    }
    const f = decodeSendMulti(bytes);
    if ('code' in f) return this.fail(f.id, f.code, f.message);
    this.dispatch(f.id, 'sendMulti', () => sendMulti(this, this.ctx, f));
  }

  private dispatch(id: number, type: string, run: () => Promise<unknown>): void {
    this.pending++;
    void this.answer(id, type, run).finally(() => this.pending--);
  }

  private async answer(id: number, type: string, run: () => Promise<unknown>): Promise<void> {
    try {
      const body = await run();
      this.send({ v: RELAY_PROTOCOL_VERSION, type: 'response', id, ok: true, body: body ?? null });
    } catch (e) {
      if (e instanceof RelayError) {
        this.fail(id, e.code, e.message, e.details);
        if (e.code === 'AUTH_FAILED') this.close(CLOSE_AUTH_FAILED, 'auth failed');
        if (e.code === 'DEVICE_REVOKED') this.close(CLOSE_REVOKED, 'device revoked');
      } else {
        this.ctx.log.error({ type, err: e instanceof Error ? e.name : 'unknown' }, 'request failed');
        this.fail(id, 'INTERNAL', 'internal error');
      }
    }
  }

  /** Acknowledged messages leave the in-flight window; delivery continues. */
  acked(ids: readonly string[]): void {
    for (const id of ids) {
      const bytes = this.inflight.get(id);
      if (bytes === undefined) continue;
      this.inflight.delete(id);
      this.inflightBytes -= bytes;
    }
    if (!this.caughtUp) this.pump();
  }

  offer(message: QueuedMessage | undefined): void {
    if (message && (this.inflight.has(message.id) || (this.ordered && BigInt(message.id) <= BigInt(this.cursor)))) return;
    if (!message || !this.caughtUp || this.pumping || this.state.kind !== 'authenticated') return this.pump();
    if (this.windowFull()) {
      this.caughtUp = false;
      return;
    }
    this.push(message, Date.now());
  }

  /** No more pushes until acks come: the window's count or bytes are reached (an empty window always takes one). */
  private windowFull(): boolean {
    return this.inflight.size >= RELAY_DELIVERY_WINDOW || this.inflightBytes >= RELAY_DELIVERY_WINDOW_BYTES;
  }

  private push(m: QueuedMessage, now: number): void {
    this.inflight.set(m.id, m.envelope.length);
    this.inflightBytes += m.envelope.length;
    if (this.ordered && BigInt(m.id) > BigInt(this.cursor)) this.cursor = m.id;
    const binary = this.binaryPushes ? { id: m.id, ts: m.ts, envelope: Buffer.from(m.envelope, 'base64url') } : null;
    if (binary && fitsPush(binary)) this.queue(binary, pushedBytes(binary));
    else this.send({ v: RELAY_PROTOCOL_VERSION, type: 'message', id: m.id, ts: m.ts, envelope: m.envelope });
    this.ctx.metrics.observeDelivery(Math.max(0, now - m.ts));
  }

  private get ordered(): boolean {
    return this.ctx.store.kind === 'sqlite';
  }

  pump(): void {
    if (this.state.kind !== 'authenticated') return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    void this.runPump().finally(() => (this.pumping = false));
  }

  private async runPump(): Promise<void> {
    do {
      this.pumpAgain = false;
      const state = this.state;
      if (state.kind !== 'authenticated' || this.windowFull()) return;
      const limit = this.ordered ? RELAY_DELIVERY_WINDOW - this.inflight.size : RELAY_DELIVERY_WINDOW;
      let batch;
      try {
        batch = await this.ctx.store.pending(state.deviceKey, limit, Date.now(), this.ordered ? this.cursor : '0');
      } catch (e) {
        this.ctx.log.error({ err: e instanceof Error ? e.name : 'unknown' }, 'pending fetch failed');
        return;
      }
      const now = Date.now();
      let full = false;
      for (const m of batch) {
        if (this.inflight.has(m.id)) continue;
        if ((full = this.windowFull())) break; // the rest comes after acks (the cursor stays at the last one pushed)
        this.push(m, now);
      }
      this.caughtUp = this.ordered && !full && batch.length < limit;
    } while (this.pumpAgain);
  }
}
