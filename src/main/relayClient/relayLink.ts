/**
 * Keeps one authenticated relay connection alive: connects, authenticates,
 * reports every state change, and reconnects with exponential backoff and
 * jitter (RECONNECT_BASE_MS … RECONNECT_MAX_MS) until stopped.
 */
import { RECONNECT_BASE_MS, RECONNECT_MAX_MS, RELAY_WS_PATH } from '../../shared/constants';
import type { SignedDeviceList } from '../../shared/wire/deviceList';
import type { ConnectionState } from '../../shared/contract';
import { RelayClient, type ListBook } from './client';
import { RelayClientError } from './errors';
import { relayPinId, type RelayKeyPins } from './pins';
import { toBase64Url } from '../../shared/wire/encoding';
import type { SigningKey } from './signing';

/** What the relay link needs: where, as whom, and whom to tell. */
export interface RelayLinkOptions {
  readonly url: string;
  readonly accountId: string;
  readonly device: SigningKey;
  /** A signed list to (re)register with on the next authentication, if any. */
  readonly registration: () => SignedDeviceList | undefined;
  readonly onState: (state: ConnectionState) => void;
  /** Runs after each successful authentication (flush the outbox and acks, upload prekeys). */
  readonly onOnline: (client: RelayClient) => Promise<void>;
  /** The messages of one relay push, in order (a batch for the receive path). */
  readonly onMessages: Parameters<RelayClient['onMessages']>[0];
  /** How many messages the relay said wait for this device after sign-in; 0 at each new connection until it says. */
  readonly onBacklog?: (queued: number) => void;
  /**
   * The relay says this device was revoked and shows a list as proof (unverified).
   * Returns true when the proof holds: the link then stops for good.
   */
  readonly onRevoked?: (list: SignedDeviceList) => boolean;
  /**
   * The relay refused the registration list as not the successor of its
   * current list (shown, unverified). Returns true when a successor was
   * signed: the next attempt registers with it at once.
   */
  readonly onListRefused?: (current: SignedDeviceList) => boolean;
  /**
   * The relay keys this profile pinned (docs/protocol.md §3.3). A relay whose
   * key differs from its pin stops the link (offline, reason relayKeyChanged,
   * no retry) until the key is accepted and the link started again.
   */
  readonly pins?: RelayKeyPins;
  /** The persisted highest device-list versions (every client of this link refuses older lists). */
  readonly lists?: ListBook;
}

/** The relay's WebSocket endpoint for a configured relay address: a bare ws://host:port gets the protocol path. */
export function relayEndpoint(url: string): string {
  const u = new URL(url);
  if (u.pathname === '/' || u.pathname === '') u.pathname = RELAY_WS_PATH;
  return u.toString();
}

/** The relay's HTTP base for its WebSocket address. */
export function relayHttpBase(relayUrl: string): string {
  const u = new URL(relayEndpoint(relayUrl));
  u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
  return `${u.protocol}//${u.host}`;
}

/**
 * The connection to the relay: reconnects with backoff, authenticates, and
 * hands envelopes to the receive queue. Once stopped for good (`stop`, when
 * the profile closes) nothing more reaches the owner's callbacks: a
 * connection still being made when the profile closed is dropped, and a
 * revocation, messages or a backlog count it brings are not delivered to a
 * closed store (the relay says it all again on the next sign-in).
 */
export class RelayLink {
  #client: RelayClient | null = null;
  /** A connection made but not yet authenticated (stop drops it too). */
  #pending: RelayClient | null = null;
  #stopped = true;
  /** stop() ran: the owner is closed, no callback may reach it again. */
  #closed = false;
  #attempt = 0;
  #resigned = false;
  #timer: NodeJS.Timeout | null = null;
  #waiters: ((c: RelayClient | null) => void)[] = [];

  readonly #o: { -readonly [K in keyof RelayLinkOptions]: RelayLinkOptions[K] };

  constructor(o: RelayLinkOptions) {
    this.#o = { ...o };
  }

  private get o(): RelayLinkOptions {
    return this.#o;
  }

  /** Reconnects as another account (after a phrase rotation); the device key stays. */
  async reauth(accountId: string, device: SigningKey): Promise<void> {
    // Waiters keep waiting: they get the connection under the new account (nothing in flight is dropped).
    this.#switching = true;
    try {
      await this.#halt(false);
      this.#o.accountId = accountId;
      this.#o.device = device;
    } finally {
      this.#switching = false;
    }
    this.start();
  }

  #switching = false;

  get client(): RelayClient | null {
    return this.#client && !this.#client.closed ? this.#client : null;
  }

  start(): void {
    if (!this.#stopped || this.#closed) return;
    this.#stopped = false;
    void this.#connect();
  }

  /** Resolves with an online client, waiting for the connection if needed (bounded by `timeoutMs`). */
  online(timeoutMs: number): Promise<RelayClient | null> {
    const c = this.client;
    if (c) return Promise.resolve(c);
    if (this.#stopped && !this.#switching) return Promise.resolve(null);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== done);
        resolve(null);
      }, timeoutMs);
      const done = (client: RelayClient | null) => {
        clearTimeout(t);
        resolve(client);
      };
      this.#waiters.push(done);
    });
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    this.o.onState({ state: 'connecting', relay: this.o.url, retryInMs: null });
    let client: RelayClient | null = null;
    try {
      client = await RelayClient.connect(relayEndpoint(this.o.url), { ...(this.o.pins ? { pins: this.o.pins } : {}), ...(this.o.lists ? { lists: this.o.lists } : {}) });
      if (this.#closed) {
        client.terminate();
        return;
      }
      this.#pending = client;
      const { onMessages, onBacklog } = this.o;
      client.onMessages((ms) => (this.#closed ? undefined : onMessages(ms)));
      if (onBacklog) {
        // A new connection starts with no known backlog (progress of an interrupted catch-up is void) until the relay says.
        onBacklog(0);
        client.onBacklog((queued) => (this.#closed ? undefined : onBacklog(queued)));
      }
      client.onRevoked((list) => this.#revoked(list));
      await client.authenticate(this.o.accountId, this.o.device, this.o.registration());
      if (this.#pending === client) this.#pending = null;
      if (this.#stopped) {
        await client.close();
        return;
      }
      this.#client = client;
      this.#attempt = 0;
      this.#resigned = false;
      client.onClose(() => {
        if (this.#client === client) this.#client = null;
        this.#scheduleRetry();
      });
      this.o.onState({ state: 'online', relay: this.o.url, retryInMs: null });
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const w of waiters) w(client);
      await this.o.onOnline(client);
    } catch (e) {
      client?.terminate();
      if (this.#client === client) this.#client = null;
      if (this.#pending === client) this.#pending = null;
      if (this.#closed) return; // the profile closed meanwhile: nothing of this attempt is for it
      if (e instanceof RelayClientError && e.code === 'DEVICE_REVOKED' && e.deviceList && this.#revoked(e.deviceList)) return;
      if (e instanceof RelayClientError && e.code === 'RELAY_KEY_CHANGED') return this.#keyChanged(e.relayKey ?? '');
      const refused = e instanceof RelayClientError && (e.code === 'DEVICE_LIST_NOT_SUCCESSOR' || e.code === 'STALE_DEVICE_LIST') && e.deviceList;
      if (refused && !this.#resigned && this.o.onListRefused?.(refused)) {
        this.#resigned = true; // once per successful connection: a relay that keeps refusing gets the usual backoff
        return this.#connect();
      }
      this.#scheduleRetry();
    }
  }

  /** A revocation whose proof holds stops the link for good (the owner wipes this device). */
  #revoked(list: SignedDeviceList): boolean {
    if (this.#closed || !this.o.onRevoked?.(list)) return false;
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.o.onState({ state: 'offline', relay: this.o.url, retryInMs: null });
    return true;
  }

  /** The relay proved another key than the pin: stop (retrying cannot help) and say so until the user decides. */
  #keyChanged(presented: string): void {
    const pinned = this.o.pins?.pinned(relayPinId(relayEndpoint(this.o.url)));
    // The user accepted this very key while the refused attempt was still unwinding: connect with it.
    if (pinned && presented !== '' && toBase64Url(pinned) === presented) return void this.#connect();
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w(null);
    this.o.onState({ state: 'offline', relay: this.o.url, retryInMs: null, reason: 'relayKeyChanged', relayKey: presented });
  }

  #scheduleRetry(): void {
    if (this.#stopped || this.#timer) return;
    const base = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** this.#attempt);
    const wait = Math.round(base / 2 + Math.random() * (base / 2));
    this.#attempt++;
    this.o.onState({ state: 'offline', relay: this.o.url, retryInMs: wait });
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#connect();
    }, wait);
  }

  /** Connects again right away (e.g. after the network came back). */
  retryNow(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
      void this.#connect();
    }
  }

  /** Stops for good (close): whoever waits for the connection learns now that it is not coming, and no callback runs again. */
  async stop(): Promise<void> {
    this.#closed = true;
    await this.#halt(true);
  }

  async #halt(final: boolean): Promise<void> {
    this.#stopped = true;
    if (final) {
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const w of waiters) w(null);
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#pending?.terminate();
    this.#pending = null;
    const c = this.#client;
    this.#client = null;
    if (c) await c.close();
    this.o.onState({ state: 'offline', relay: this.o.url, retryInMs: null });
  }
}
