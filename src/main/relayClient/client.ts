/**
 * Pure-Node client for the Parley relay: connect, authenticate by signing the
 * challenge, send, receive with explicit ack, prekeys, device lists,
 * provisioning. HTTP blobs (attachments, backups) are in ./blobs.
 */
import sodium from 'libsodium-wrappers-sumo';
import WebSocket from 'ws';
import { RELAY_PROTOCOL_VERSION } from '../../shared/constants';
import type { SignedDeviceList } from '../../shared/wire/deviceList';
import { fromBase64Url } from '../../shared/wire/encoding';
import {
  backlogFrameSchema, prekeysLowFrameSchema, responseFrameSchema, type ClientFrame, type PrekeyCounts, type RelayErrorCode, type ServerFrame, type WireBundle,
  type WirePrekey,
} from '../../shared/wire/relay';
import { encodeSendMulti, sendMultiReplySchema, type SendMultiReply } from '../../shared/wire/multiSend';
import { decodePushes } from '../../shared/wire/pushFrame';
import { encodeBinarySend } from '../../shared/wire/binarySend';
import { RelayClientError } from './errors';
import { parseMessageFrame, type IncomingMessage } from './messageFrame';
import { binarySendEntries, encodeSendFrame, type SendEntry } from './sendFrame';
import { checkRelayKey, type RelayKeyPins } from './pins';
import { provenChallenge, replyOf, wellFormedList, wireList, type Challenge } from './serverFrames';
import { deviceListVerifies, signChallenge, type SigningKey } from './signing';

type Req = ClientFrame extends infer F ? (F extends { id: number; v: number } ? Omit<F, 'id' | 'v'> : never) : never;

/** What a sendMulti upload came to: envelopes queued, recipients not queued, the verified lists the relay sent, and the frame's size. */
export interface MultiSendOutcome {
  readonly queued: number;
  readonly failed: SendMultiReply['failed'];
  readonly lists: readonly SignedDeviceList[];
  /** Lists in the reply that did not verify or were older than one seen (not returned). */
  readonly refusedLists: number;
  /** Bytes of the binary frame uploaded. */
  readonly bytes: number;
}

export type { IncomingMessage } from './messageFrame';

/** Options of a relay connection: request timeout and extra trusted certificates. */
export interface RelayClientOptions {
  /** Per-request timeout. */
  readonly timeoutMs?: number;
  /** Extra trusted CA certificate(s) (PEM) for a wss:// relay with a private certificate. */
  readonly ca?: string | Uint8Array;
  /**
   * The relay keys this client trusts, by relay URL: authenticate refuses
   * (RELAY_KEY_CHANGED) a relay whose proven key differs from the pin, and
   * pins it on first use. Without pins any key that proves itself is used.
   */
  readonly pins?: RelayKeyPins;
  /** The persisted highest list version per account (docs/protocol.md §6.7); without it only this connection remembers. */
  readonly lists?: ListBook;
}

/** Where a client keeps the highest device-list version it verified for every account, across connections and restarts. */
export interface ListBook {
  /** The highest version verified for `accountId` (0 when none). */
  floor(accountId: string): number;
  /** Records a verified list that is not older than the floor. */
  seen(list: SignedDeviceList): void;
}

/** One authenticated WebSocket connection to a relay: requests matched to replies, pushed messages and acks; it does not reconnect by itself. */
export class RelayClient {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (b: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private readonly messageHandlers = new Set<(m: IncomingMessage) => void>();
  private readonly batchHandlers = new Set<(ms: IncomingMessage[]) => void>();
  private readonly provisionHandlers = new Set<(channelId: string, payload: Uint8Array) => void>();
  private readonly closeHandlers = new Set<(code: number) => void>();
  private readonly revokedHandlers = new Set<(list: SignedDeviceList) => void>();
  private readonly prekeysLowHandlers = new Set<(counts: PrekeyCounts) => void>();
  private readonly backlogHandlers = new Set<(queued: number) => void>();
  /** Highest device-list version seen per account: older lists are rejected (no rollback). */
  private readonly listVersions = new Map<string, number>();
  closed = false;

  private constructor(
    readonly url: string,
    private readonly ws: WebSocket,
    private readonly nonce: Uint8Array,
    /** The identity key the relay proved in its challenge. */
    readonly relayKey: Uint8Array,
    private readonly timeoutMs: number,
    private readonly pins: RelayKeyPins | undefined,
    private readonly lists: ListBook | undefined,
  ) {
    ws.on('message', (data, isBinary) => {
      const batch: IncomingMessage[] = [];
      if (isBinary) this.onPushes(data as Buffer, batch);
      else for (const line of String(data).split('\n')) {
        const m = this.onFrame(line);
        if (m) batch.push(m);
      }
      if (batch.length > 0) for (const h of this.batchHandlers) h(batch);
    });
    ws.on('close', (code) => {
      this.closed = true;
      for (const w of this.waiting.values()) {
        clearTimeout(w.timer);
        w.reject(new RelayClientError('CLOSED', `connection closed (${code})`));
      }
      this.waiting.clear();
      for (const h of this.closeHandlers) h(code);
    });
    ws.on('error', () => undefined);
  }

  /** Opens a connection and waits for the relay's challenge, whose signature by the relay's key must verify. */
  static async connect(url: string, options: RelayClientOptions = {}): Promise<RelayClient> {
    await sodium.ready;
    const ws = new WebSocket(url, { perMessageDeflate: false, ...(options.ca ? { ca: Buffer.from(options.ca) } : {}) });
    const challenge = await new Promise<Challenge>((resolve, reject) => {
      const fail = (e: Error): void => reject(new RelayClientError('CLOSED', `cannot connect: ${e.message}`));
      ws.once('error', fail);
      ws.once('close', (code) => fail(new Error(`closed ${code}`)));
      ws.once('message', (data) => {
        const c = provenChallenge(String(data).split('\n')[0]!);
        if (!c) {
          ws.terminate();
          return reject(new RelayClientError('BAD_RESPONSE', 'relay did not send a challenge signed by its key'));
        }
        ws.removeAllListeners();
        resolve(c);
      });
    });
    return new RelayClient(url, ws, challenge.nonce, challenge.relayKey, options.timeoutMs ?? 15_000, options.pins, options.lists);
  }

  /**
   * Proves possession of the device key; `deviceList` registers or updates the account in the same step.
   * A device its account has revoked is refused with DEVICE_REVOKED, whose `deviceList` is the relay's
   * unverified proof: check it with confirmRevocation before acting on it.
   * With pins, a relay whose key differs from the pin for this URL is refused
   * with RELAY_KEY_CHANGED before anything is signed; a first key is pinned.
   */
  async authenticate(accountId: string, device: SigningKey, deviceList?: SignedDeviceList): Promise<void> {
    if (this.pins) checkRelayKey(this.pins, this.url, this.relayKey);
    const host = new URL(this.url).host;
    const signature = signChallenge(this.relayKey, host, this.nonce, accountId, device);
    // Asked before the auth frame, so the backlog the relay pushes right after sign-in already comes binary.
    const [options, auth] = await Promise.allSettled([
      this.askBinaryPushes(),
      this.request({ type: 'auth', accountId, deviceId: device.id, signature, ...(deviceList ? { deviceList: wireList(deviceList) } : {}) }),
    ]);
    if (auth.status === 'rejected') throw auth.reason;
    if (options.status === 'rejected') throw options.reason;
    this.binaryPushes = options.value;
  }

  /** Whether the relay sends this connection's message pushes as binary frames (docs/protocol.md §3.1.1); pushes of either kind are taken. */
  binaryPushes = false;
  /** Whether the relay said it takes binary `send` frames (its `options` reply). */
  binarySends = false;
  /** Raw keys of the ids this connection sent to (binarySendEntries). */
  readonly #keys = new Map<string, Uint8Array>();

  /**
   * Asks the relay for binary message pushes (its reply also says whether it takes binary sends). A relay that does
   * not know the request answers UNKNOWN_TYPE and keeps to JSON; any other failure (a timeout, a closed
   * connection) fails the auth request sent right after it too, which reports it.
   */
  private async askBinaryPushes(): Promise<boolean> {
    try {
      const reply = replyOf('options', await this.request({ type: 'options', binaryPushes: true }));
      this.binarySends = reply.binarySends === true;
      return reply.binaryPushes;
    } catch (e) {
      if (e instanceof RelayClientError && e.code !== 'UNKNOWN_TYPE') throw e;
      return false;
    }
  }

  /** Sends one request frame and resolves with the response body; rejects with the relay's error code. */
  request(frame: Req): Promise<unknown> {
    return this.exchange(frame.type, (id) => JSON.stringify({ v: RELAY_PROTOCOL_VERSION, id, ...frame }));
  }

  /** Sends what `build` makes for a fresh request id (bytes go as a binary frame unless `text`) and waits for the response with that id. */
  private exchange(type: string, build: (id: number) => string | Uint8Array, text = false): Promise<unknown> {
    if (this.closed) return Promise.reject(new RelayClientError('CLOSED', 'connection is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new RelayClientError('TIMEOUT', `${type} timed out`));
      }, this.timeoutMs);
      this.waiting.set(id, { resolve, reject, timer });
      const data = build(id);
      if (typeof data === 'string') this.ws.send(data);
      else this.ws.send(data, { binary: !text });
    });
  }

  /**
   * One multi-recipient send (binary sendMulti frame, docs/protocol.md
   * §3.5.1): the relay queues one envelope per device it resolves and
   * lists the others. Only the lists in the reply that verify (signature,
   * account, no rollback) are returned; `refusedLists` counts the rest.
   */
  async sendMulti(shared: Uint8Array, entries: readonly Uint8Array[]): Promise<MultiSendOutcome> {
    let bytes = 0;
    const body = await this.exchange('sendMulti', (id) => {
      const frame = encodeSendMulti(id, shared, entries);
      bytes = frame.length;
      return frame;
    });
    const r = sendMultiReplySchema.safeParse(body);
    if (!r.success) throw new RelayClientError('BAD_RESPONSE', 'the relay sent a malformed sendMulti reply');
    const lists = r.data.lists.filter((l) => deviceListVerifies(l) && this.acceptNewer(l));
    return { queued: r.data.queued, failed: r.data.failed, lists, refusedLists: r.data.lists.length - lists.length, bytes };
  }

  /** True when a verified `list` is not older than the newest seen for its account (then it is recorded as seen). */
  private acceptNewer(list: SignedDeviceList): boolean {
    if (list.version < Math.max(this.listVersions.get(list.accountId) ?? 0, this.lists?.floor(list.accountId) ?? 0)) return false;
    this.listVersions.set(list.accountId, list.version);
    this.lists?.seen(list);
    return true;
  }

  /** Sends raw text (tests of the relay's input handling use this). */
  sendRaw(data: string | Uint8Array): void {
    this.ws.send(data);
  }

  onMessage(handler: (m: IncomingMessage) => void): () => void {
    this.messageHandlers.add(handler);
    return () => this.messageHandlers.delete(handler);
  }
  /** Every message of one relay push (one WebSocket message, up to the relay's delivery window) at once, in order. */
  onMessages(handler: (ms: IncomingMessage[]) => void): () => void {
    this.batchHandlers.add(handler);
    return () => this.batchHandlers.delete(handler);
  }
  onProvision(handler: (channelId: string, payload: Uint8Array) => void): () => void {
    this.provisionHandlers.add(handler);
    return () => this.provisionHandlers.delete(handler);
  }
  onClose(handler: (code: number) => void): () => void {
    this.closeHandlers.add(handler);
    return () => this.closeHandlers.delete(handler);
  }
  /**
   * The relay pushes the account's new list to a device it no longer contains,
   * just before closing with 4003. The list is unverified: check it with confirmRevocation.
   */
  onRevoked(handler: (list: SignedDeviceList) => void): () => void {
    this.revokedHandlers.add(handler);
    return () => this.revokedHandlers.delete(handler);
  }

  /** The relay says how many messages wait for this device (once, after sign-in, when any do). */
  onBacklog(handler: (queued: number) => void): () => void {
    this.backlogHandlers.add(handler);
    return () => this.backlogHandlers.delete(handler);
  }

  /** The relay reports that a bundle fetch left this device few one-time prekeys (validated counts). */
  onPrekeysLow(handler: (counts: PrekeyCounts) => void): () => void {
    this.prekeysLowHandlers.add(handler);
    return () => this.prekeysLowHandlers.delete(handler);
  }

  async putDeviceList(list: SignedDeviceList): Promise<void> {
    await this.request({ type: 'putDeviceList', list: wireList(list) });
  }

  /** Fetches and verifies an account's device list; rejects forged or rolled-back lists. */
  async getDeviceList(accountId: string): Promise<SignedDeviceList> {
    const list: SignedDeviceList = replyOf('getDeviceList', await this.request({ type: 'getDeviceList', accountId }));
    if (list.accountId !== accountId || !deviceListVerifies(list)) throw new RelayClientError('BAD_DEVICE_LIST', 'device list signature does not verify');
    if (!this.acceptNewer(list)) throw new RelayClientError('STALE_DEVICE_LIST', 'relay served an older device list');
    return list;
  }

  /** Uploads prekeys; resolves with the one-time counts the relay holds afterwards. */
  async uploadPrekeys(keys: { signedPrekey?: WirePrekey; lastResortKem?: WirePrekey; oneTimeEc?: WirePrekey[]; oneTimeKem?: WirePrekey[] }): Promise<PrekeyCounts> {
    return replyOf('uploadPrekeys', await this.request({ type: 'uploadPrekeys', ...keys }));
  }
  /** The one-time prekey counts the relay holds for this device. */
  async prekeyCount(): Promise<PrekeyCounts> {
    return replyOf('prekeyCount', await this.request({ type: 'prekeyCount' }));
  }
  async fetchBundle(accountId: string, deviceId: string): Promise<WireBundle> {
    return replyOf('fetchBundle', await this.request({ type: 'fetchBundle', accountId, deviceId }));
  }

  /**
   * Queues one envelope per addressed device (sealed bytes, or their
   * base64url text); resolves once the relay has stored them durably. The
   * frame's JSON is written as bytes (sendFrame.ts), not stringified.
   */
  /** One `send` request: as a binary frame when the relay takes them and every entry has raw bytes and canonical ids, else as JSON text. */
  async send(messages: readonly SendEntry[]): Promise<{ queued: number }> {
    const binary = this.binarySends ? binarySendEntries(messages, this.#keys) : null;
    const build = binary ? (id: number) => encodeBinarySend(id, binary) : (id: number) => encodeSendFrame(id, messages);
    return replyOf('send', await this.exchange('send', build, !binary));
  }
  async ack(ids: readonly string[]): Promise<{ deleted: number }> {
    return replyOf('ack', await this.request({ type: 'ack', ids: [...ids] }));
  }
  async attachmentUpload(): Promise<{ attachmentId: string; uploadToken: string; path: string; maxBytes: number }> {
    return replyOf('attachmentUpload', await this.request({ type: 'attachmentUpload' }));
  }
  /** A short-lived token for fetchQueued (HTTP bulk fetch). */
  async bulkToken(): Promise<{ token: string; expiresAt: number; path: string }> {
    return replyOf('bulkToken', await this.request({ type: 'bulkToken' }));
  }
  async provisionOpen(): Promise<{ channelId: string; expiresAt: number }> {
    return replyOf('provisionOpen', await this.request({ type: 'provisionOpen' }));
  }
  /**
   * "Remove and secure" (docs/protocol.md §6.8): tells the relay that this
   * connection's account replaces `oldAccountId`, with the old key's signed
   * change; from then on the relay refuses every list signed by the old key.
   */
  async supersedeAccount(oldAccountId: string, signature: string): Promise<void> {
    await this.request({ type: 'supersedeAccount', oldAccountId, signature });
  }
  async provisionSend(channelId: string, payload: string): Promise<void> {
    await this.request({ type: 'provisionSend', channelId, payload });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close(1000);
    });
  }

  /** Drops the TCP connection without a close handshake (tests of abrupt disconnects). */
  terminate(): void {
    this.ws.terminate();
  }

  /** Frames from the relay that were not valid JSON or did not match their schema; dropped, and counted here. */
  malformedFrames = 0;

  /** Handles a binary pushes frame (docs/protocol.md §3.1.1): its messages go to the per-message handlers and into `batch`; a malformed one is dropped whole and counted. */
  private onPushes(data: Buffer, batch: IncomingMessage[]): void {
    const ms = decodePushes(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    if (!ms) {
      this.malformedFrames++;
      return;
    }
    for (const m of ms) {
      for (const h of this.messageHandlers) h(m);
      batch.push(m);
    }
  }

  /** Handles one frame; returns a pushed message (already given to the per-message handlers) for the batch handlers. */
  private onFrame(text: string): IncomingMessage | undefined {
    let f: ServerFrame;
    try {
      f = JSON.parse(text) as ServerFrame;
    } catch {
      this.malformedFrames++;
      return;
    }
    if (f?.type === 'response') {
      const r = responseFrameSchema.safeParse(f);
      if (!r.success) {
        this.malformedFrames++;
        return;
      }
      const ok = r.data;
      const w = ok.id === null ? undefined : this.waiting.get(ok.id);
      if (!w || ok.id === null) return;
      this.waiting.delete(ok.id);
      clearTimeout(w.timer);
      if (ok.ok) w.resolve(ok.body);
      else w.reject(new RelayClientError(ok.code as RelayErrorCode, ok.message, { deviceList: wellFormedList(ok.details?.deviceList) }));
    } else if (f?.type === 'message') {
      const message = parseMessageFrame(f as unknown as Record<string, unknown>); // by hand, as strict as messageFrameSchema (messageFrame.ts)
      if (!message) {
        this.malformedFrames++;
        return;
      }
      for (const h of this.messageHandlers) h(message);
      return message;
    } else if (f.type === 'provision') {
      const payload = fromBase64Url(f.payload);
      if (payload) for (const h of this.provisionHandlers) h(f.channelId, payload);
    } else if (f.type === 'deviceList') {
      const list = wellFormedList(f.list);
      if (list) for (const h of this.revokedHandlers) h(list);
    } else if (f.type === 'prekeysLow') {
      const push = prekeysLowFrameSchema.safeParse(f);
      if (push.success) for (const h of this.prekeysLowHandlers) h(push.data.counts);
    } else if (f.type === 'backlog') {
      const push = backlogFrameSchema.safeParse(f);
      if (push.success) for (const h of this.backlogHandlers) h(push.data.queued);
      else this.malformedFrames++;
    }
  }
}
