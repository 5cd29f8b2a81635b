/** `parley daemon` as a child process of bin/parley.mjs, and a JSON-RPC 2.0 client for its socket (used by the daemon test and bench). */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { repoRoot } from './paths';

/** One response or notification line the daemon wrote. */
export interface RpcMessage {
  readonly jsonrpc: '2.0';
  readonly id?: string | number | null;
  readonly result?: unknown;
  readonly error?: { code: number; message: string; data?: { code: string; issues?: unknown[] } };
  readonly method?: string;
  readonly params?: Record<string, unknown>;
}

/** A running daemon process. */
export interface DaemonProcess {
  readonly proc: ChildProcess;
  /** Everything it wrote to stderr so far (ready line, warnings, errors). */
  stderr(): string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<number | string>;
}

/** Runs one `parley --data DIR --json ARGS…` command to its end; resolves with its status and stdout lines parsed. */
export function runParley(dataDir: string, args: readonly string[], env: Record<string, string>): Promise<{ code: number; out: unknown[]; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/parley.mjs'), '--data', dataDir, '--json', ...args], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, out: out.trim() ? out.trim().split('\n').map((l) => JSON.parse(l) as unknown) : [], err }));
  });
}

/** Starts `parley --data DIR --json daemon ARGS…` and resolves once it prints its ready line (or rejects when it exits first). */
export async function spawnDaemon(dataDir: string, args: readonly string[], env: Record<string, string>): Promise<DaemonProcess> {
  const proc = spawn(process.execPath, [path.join(repoRoot, 'bin/parley.mjs'), '--data', dataDir, '--json', 'daemon', ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let err = '';
  const exited = new Promise<number | string>((r) => proc.once('exit', (code, signal) => r(code ?? signal ?? -1)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`daemon did not start: ${err}`)), 30_000);
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('"ready":true')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited ${code}: ${err}`));
    });
  });
  return { proc, stderr: () => err, exited };
}

/** A JSON-RPC client on one line-delimited stream (a daemon socket). */
export class RpcClient {
  /** Every notification received, in order. */
  readonly notifications: RpcMessage[] = [];
  /** Every response received, in order. */
  readonly responses: RpcMessage[] = [];
  #nextId = 1;
  #buffer = '';
  readonly #waiting = new Map<string | number, (m: RpcMessage) => void>();
  readonly #watchers: (() => void)[] = [];

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.#buffer += d.toString();
      for (let nl = this.#buffer.indexOf('\n'); nl >= 0; nl = this.#buffer.indexOf('\n')) {
        const line = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        this.#take(JSON.parse(line) as RpcMessage | RpcMessage[]);
      }
    });
  }

  /** Connects to a daemon's socket. */
  static connect(file: string): Promise<RpcClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(file, () => resolve(new RpcClient(socket)));
      socket.once('error', reject);
    });
  }

  #take(m: RpcMessage | RpcMessage[]): void {
    for (const one of Array.isArray(m) ? m : [m]) {
      if (one.method !== undefined) this.notifications.push(one);
      else {
        this.responses.push(one);
        if (one.id !== undefined && one.id !== null) this.#waiting.get(one.id)?.(one);
      }
    }
    for (const w of this.#watchers.splice(0)) w();
  }

  /** Sends a request and resolves with its response object. */
  call(method: string, params?: unknown): Promise<RpcMessage> {
    const id = this.#nextId++;
    const reply = new Promise<RpcMessage>((resolve) => this.#waiting.set(id, resolve));
    this.send(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }));
    return reply;
  }

  /** Writes one raw line (for malformed requests). */
  send(line: string): void {
    this.socket.write(`${line}\n`);
  }

  /** Resolves once a line has arrived that makes `check` truthy (checked again on every line). */
  async until<T>(check: () => T | undefined | null | false, timeoutMs = 15_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = check();
      if (v) return v;
      if (Date.now() > end) throw new Error('no such line from the daemon in time');
      await new Promise<void>((r) => {
        this.#watchers.push(r);
        setTimeout(r, 100);
      });
    }
  }

  /** Closes the connection. */
  close(): void {
    this.socket.end();
  }
}

/** A socket daemon on one profile that a test stops and starts again, with a fresh client connected after each start. */
export class RestartableDaemon {
  daemon: DaemonProcess | undefined;
  client: RpcClient | undefined;

  constructor(private readonly dataDir: string, private readonly socketPath: string, private readonly env: Record<string, string>) {}

  /** Starts the daemon and connects a client (`client`). */
  async start(): Promise<RpcClient> {
    this.daemon = await spawnDaemon(this.dataDir, ['--socket', this.socketPath], this.env);
    this.client = await RpcClient.connect(this.socketPath);
    return this.client;
  }

  /** Closes the client and stops the daemon with SIGTERM; resolves with its exit code. */
  async stop(): Promise<number | string | undefined> {
    this.client?.close();
    this.daemon?.proc.kill('SIGTERM');
    const code = await this.daemon?.exited;
    this.daemon = undefined;
    return code;
  }

  /** For afterAll: closes the client and kills a daemon still running. */
  kill(): void {
    this.client?.close();
    if (this.daemon && this.daemon.proc.exitCode === null) this.daemon.proc.kill('SIGKILL');
  }
}
