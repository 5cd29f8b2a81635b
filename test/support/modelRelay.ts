/**
 * The hostile relay of the model world: one WebSocket proxy
 * (test/support/hostileRelay.ts) between every device's door (RelayProxy)
 * and the real relay, which can, per device, withhold the envelopes the
 * relay pushes (dropped, so the relay keeps them unacked and offers them
 * again on the device's next connection), hang up on it, hang up at its next
 * push (mid-stream), and replay an envelope frame it already delivered. A
 * device is known by the `auth` frame its connection sent.
 */
import { startHostileRelay, type HostileRelay, type ProxiedConnection } from './hostileRelay';

/** How many delivered envelope frames are kept per device for replays. */
const REPLAYABLE = 32;

/** What the proxy knows of one connection: whose it is and whether its sign-in succeeded. */
interface ConnInfo {
  deviceId: string | null;
  authId: number | null;
  authed: boolean;
}

/** The per-device hostility the model commands switch on and off. */
export class ModelRelay {
  readonly #proxy: HostileRelay;
  readonly #info = new WeakMap<ProxiedConnection, ConnInfo>();
  readonly #withholding = new Set<string>();
  readonly #traps = new Set<string>();
  /** Pushes still to drop per device before later ones pass (withholdNext). */
  readonly #skips = new Map<string, number>();
  /** Envelopes dropped per device since it was last hung up on (the relay owes them). */
  readonly #owed = new Map<string, number>();
  readonly #delivered = new Map<string, string[]>();
  /** What the proxy did so far (for the run's totals): envelope pushes dropped unacked, connections hung up at a push, frames replayed. */
  readonly did = { withheld: 0, hangUps: 0, replays: 0 };

  private constructor(proxy: HostileRelay) {
    this.#proxy = proxy;
    proxy.up = (frame, conn) => {
      const info = this.#of(conn);
      if (info.deviceId === null && frame.includes('"auth"')) {
        const f = JSON.parse(frame) as { type?: string; id?: number; deviceId?: string };
        if (f.type === 'auth' && typeof f.deviceId === 'string') {
          info.deviceId = f.deviceId;
          info.authId = f.id ?? null;
        }
      }
      return frame;
    };
    proxy.down = (frame, conn) => this.#down(frame, conn);
  }

  /** Starts the proxy in front of the relay at `relayUrl`. */
  static async start(relayUrl: string): Promise<ModelRelay> {
    return new ModelRelay(await startHostileRelay(relayUrl));
  }

  /** The proxy's loopback port (what the devices' doors forward to). */
  get port(): number {
    return Number(new URL(this.#proxy.url).port);
  }

  #of(conn: ProxiedConnection): ConnInfo {
    let info = this.#info.get(conn);
    if (!info) this.#info.set(conn, (info = { deviceId: null, authId: null, authed: false }));
    return info;
  }

  #down(frame: string, conn: ProxiedConnection): string | null {
    const info = this.#of(conn);
    const f = JSON.parse(frame) as { type?: string; id?: unknown; ok?: boolean };
    if (f.type === 'response' && f.id === info.authId && f.ok) info.authed = true;
    const device = info.deviceId;
    if (f.type !== 'message' || device === null) return frame;
    if (this.#withholding.has(device)) {
      this.#owed.set(device, (this.#owed.get(device) ?? 0) + 1);
      this.did.withheld++;
      return null;
    }
    const skip = this.#skips.get(device) ?? 0;
    if (skip > 0) {
      this.#skips.set(device, skip - 1);
      this.#owed.set(device, (this.#owed.get(device) ?? 0) + 1);
      this.did.withheld++;
      return null;
    }
    if (this.#traps.delete(device)) {
      this.did.hangUps++;
      conn.close();
      return null;
    }
    const kept = this.#delivered.get(device) ?? [];
    kept.push(frame);
    this.#delivered.set(device, kept.slice(-REPLAYABLE));
    return frame;
  }

  /** Drops (unacked) every envelope pushed to the device from now on while `on`; off lets later pushes through. */
  withhold(deviceId: string, on: boolean): void {
    if (on) this.#withholding.add(deviceId);
    else this.#withholding.delete(deviceId);
  }

  /** Drops (unacked) the next `n` envelopes pushed to the device and lets later ones overtake them. */
  withholdNext(deviceId: string, n: number): void {
    this.#skips.set(deviceId, n);
  }

  /** Hangs up the device's next connection at the next envelope pushed to it (that envelope is lost on the way). */
  hangUpAtNextPush(deviceId: string): void {
    this.#traps.add(deviceId);
  }

  /** Hangs up every connection of the device; returns how many envelopes it had dropped for it since the last hang-up. */
  hangUp(deviceId: string): number {
    for (const c of this.#proxy.connections) if (c.open && this.#of(c).deviceId === deviceId) c.close();
    const owed = this.#owed.get(deviceId) ?? 0;
    this.#owed.delete(deviceId);
    return owed;
  }

  /**
   * Sends the device, on its signed-in connection, the `pick`-th (modulo)
   * envelope frame it was already delivered; false when it has none or no
   * such connection.
   */
  replay(deviceId: string, pick: number): boolean {
    const frames = this.#delivered.get(deviceId) ?? [];
    const conn = this.#proxy.connections.filter((c) => c.open && this.#of(c).deviceId === deviceId && this.#of(c).authed).at(-1);
    if (frames.length === 0 || !conn) return false;
    conn.toClient(frames[pick % frames.length]!);
    this.did.replays++;
    return true;
  }

  /** Ends all withholding and traps and hangs up on every device the proxy still owes envelopes; returns how many were owed. */
  releaseAll(): number {
    this.#withholding.clear();
    this.#skips.clear();
    this.#traps.clear();
    let owed = 0;
    for (const d of [...this.#owed.keys()]) owed += this.hangUp(d);
    return owed;
  }

  /** Points the proxy at a restarted relay. */
  retarget(relayUrl: string): void {
    this.#proxy.retarget(relayUrl);
  }

  close(): Promise<void> {
    return this.#proxy.close();
  }
}
