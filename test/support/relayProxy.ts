/**
 * A TCP pass-through in front of the relay, one per device, so a test can
 * take one device offline (its connections are cut and new ones wait) and
 * restart the relay behind it (new connections wait until it is back, then
 * reach the new port). Bytes pass unchanged, so the WebSocket upgrade and the
 * Host header the challenge signature binds are the client's own.
 */
import net from 'node:net';

/** One device's door to the relay. */
export class RelayProxy {
  readonly #server: net.Server;
  readonly #live = new Set<net.Socket>();
  readonly #waiting: net.Socket[] = [];
  #upstreamPort: number | null;
  #deviceOnline = true;
  #port = 0;
  /** holdRequests: what devices send once the relay has greeted them waits here, with the socket it is for. */
  #holding = false;
  readonly #held: [net.Socket, Buffer][] = [];

  private constructor(server: net.Server, upstreamPort: number) {
    this.#server = server;
    this.#upstreamPort = upstreamPort;
  }

  /** Listens on a free loopback port and forwards to the relay on `upstreamPort`. */
  static async start(upstreamPort: number): Promise<RelayProxy> {
    const server = net.createServer();
    const proxy = new RelayProxy(server, upstreamPort);
    server.on('connection', (s) => proxy.#accept(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy.#port = (server.address() as net.AddressInfo).port;
    return proxy;
  }

  /** The relay address the device is given (it never sees the real port). */
  get url(): string {
    return `ws://127.0.0.1:${this.#port}`;
  }

  #accept(client: net.Socket): void {
    client.on('error', () => client.destroy());
    if (!this.#deviceOnline || this.#upstreamPort === null) {
      client.pause();
      this.#waiting.push(client);
      return;
    }
    this.#pipe(client, this.#upstreamPort);
  }

  #pipe(client: net.Socket, port: number): void {
    const upstream = net.connect(port, '127.0.0.1');
    this.#live.add(client).add(upstream);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      this.#live.delete(client);
      this.#live.delete(upstream);
    };
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
    }
    let greeted = false;
    upstream.on('data', () => (greeted = true));
    client.on('data', (b: Buffer) => {
      if (this.#holding && greeted) this.#held.push([upstream, b]);
      else upstream.write(b);
    });
    upstream.pipe(client);
    client.resume();
  }

  #release(): void {
    const port = this.#upstreamPort;
    if (!this.#deviceOnline || port === null) return;
    for (const c of this.#waiting.splice(0)) {
      if (!c.destroyed) this.#pipe(c, port);
    }
  }

  #cut(): void {
    for (const s of this.#live) s.destroy();
    this.#live.clear();
  }

  /** Connections open through this door or waiting at it (a test waits for an attempt to finish). */
  get connections(): number {
    return this.#live.size / 2 + this.#waiting.filter((c) => !c.destroyed).length;
  }

  /** Frames held by holdRequests so far. */
  get heldRequests(): number {
    return this.#held.length;
  }

  /**
   * While on, what a device sends after the relay greeted it (its sign-in,
   * say) waits at the door; off lets it through in order. A test can so keep
   * a request in flight as long as it likes.
   */
  holdRequests(on: boolean): void {
    this.#holding = on;
    if (on) return;
    for (const [upstream, b] of this.#held.splice(0)) if (!upstream.destroyed) upstream.write(b);
  }

  /** Takes the device off the network: live connections drop and new ones wait. */
  setDeviceOnline(online: boolean): void {
    this.#deviceOnline = online;
    if (online) this.#release();
    else this.#cut();
  }

  /** The relay went down (null: connections drop, new ones wait) or came back on `port`. */
  setUpstream(port: number | null): void {
    this.#upstreamPort = port;
    if (port === null) this.#cut();
    else this.#release();
  }

  async close(): Promise<void> {
    this.#cut();
    for (const c of this.#waiting.splice(0)) c.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
