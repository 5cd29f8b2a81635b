/**
 * The system the model test drives: a real relay on loopback (restartable on
 * its data dir) behind one hostile WebSocket proxy (modelRelay.ts: withholds,
 * replays, hangs up), one TCP proxy per device in front of it (to take that
 * device offline), and
 * real encrypted profile stores run by the real Messenger — in this process,
 * or in a child process that is SIGKILLed between a commit and its ack.
 *
 * Creating an account costs about a second (phrase derivation, 200 prekeys),
 * so three accounts are created once into a template (profiles plus relay
 * data) and each scenario starts from a copy of it, with its own relay on
 * that copy: scenarios share no state, and starting one costs ~100 ms.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import sodium from 'libsodium-wrappers-sumo';
import { build } from 'esbuild';
import { Messenger } from '../../src/main/messenger/messenger';
import { SETTING } from '../../src/main/account/settingKeys';
import { startRelay, type RunningRelay } from '../../src/relay/server';
import { RelayProxy } from './relayProxy';
import { ModelRelay } from './modelRelay';
import { testKeychain } from './testKeychain';
import { repoRoot } from './paths';
import { eventually } from './chatHarness';
import { CodeComparer } from './linkCheck';

/** Display names of the three accounts, in order. */
export const ACCOUNT_NAMES = ['Ann', 'Ben', 'Cai'] as const;
/** How long the kill child may stay online without a commit before it is killed anyway. */
const KILL_IDLE_MS = 300;
/** Upper bound for one child run (only a broken child reaches it). */
const KILL_GUARD_MS = 15_000;

/** One device of the scenario. `messenger` is null while the profile is closed. */
export interface WorldDevice {
  readonly name: string;
  readonly account: number;
  readonly dir: string;
  readonly proxy: RelayProxy;
  readonly deviceId: string;
  messenger: Messenger | null;
  revoked: boolean;
}

/** The template every scenario copies: three registered accounts and the relay data that knows them. */
export interface WorldTemplate {
  readonly dir: string;
  readonly key: Uint8Array;
  readonly childJs: string;
}

const relayLogger = pino({ level: 'silent' });

/** Creates the three accounts once (and bundles the kill child). */
export async function buildTemplate(): Promise<WorldTemplate> {
  await sodium.ready;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-model-template-'));
  const key = sodium.randombytes_buf(32);
  const keychain = testKeychain(key);
  const relay = await startRelay({ logger: relayLogger, dataDir: path.join(dir, 'relay') });
  for (let i = 0; i < ACCOUNT_NAMES.length; i++) {
    const { messenger } = await Messenger.create({ dir: path.join(dir, `p${i}`), displayName: ACCOUNT_NAMES[i]!, relayUrl: relay.url, keychain, deviceName: `${ACCOUNT_NAMES[i]![0]}1` });
    await eventually(() => messenger.store.directory.setting(SETTING.prekeysUploaded) === '1');
    await messenger.close();
  }
  await relay.close();
  const childJs = path.join(dir, 'kill-child.cjs');
  await build({
    entryPoints: [path.join(repoRoot, 'test/support/modelKillChild.ts')], bundle: true, platform: 'node', format: 'cjs',
    outfile: childJs, external: ['better-sqlite3-multiple-ciphers'], logLevel: 'silent',
  });
  return { dir, key, childJs };
}

/** One scenario's relay, proxies and devices, on its own copy of the template. */
export class World {
  readonly devices: WorldDevice[] = [];
  readonly accountIds: string[] = [];
  /** Each account's invite code (as its first device shows it). */
  readonly #invites: string[] = [];
  readonly #keychain;
  #relay: RunningRelay;
  #links = 0;

  private constructor(readonly dir: string, readonly template: WorldTemplate, relay: RunningRelay, readonly hostile: ModelRelay) {
    this.#relay = relay;
    this.#keychain = testKeychain(template.key);
  }

  /** A fresh scenario: the template copied, its relay started, every first device open and online. */
  static async start(template: WorldTemplate): Promise<World> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-model-'));
    for (const f of ['relay', 'p0', 'p1', 'p2']) fs.cpSync(path.join(template.dir, f), path.join(dir, f), { recursive: true });
    const relay = await startRelay({ logger: relayLogger, dataDir: path.join(dir, 'relay') });
    const world = new World(dir, template, relay, await ModelRelay.start(relay.url));
    for (let i = 0; i < ACCOUNT_NAMES.length; i++) {
      const proxy = await RelayProxy.start(world.hostile.port);
      const messenger = await world.#open(path.join(dir, `p${i}`), proxy.url);
      world.accountIds.push(messenger.keys.accountId);
      world.#invites.push(messenger.account.invite());
      world.devices.push({ name: `${ACCOUNT_NAMES[i]![0]}1`, account: i, dir: path.join(dir, `p${i}`), proxy, deviceId: messenger.keys.deviceId, messenger, revoked: false });
    }
    return world;
  }

  get relay(): RunningRelay {
    return this.#relay;
  }

  #open(dir: string, relayUrl: string): Promise<Messenger> {
    return Messenger.open({ dir, relayUrl, keychain: this.#keychain });
  }

  device(name: string): WorldDevice {
    const d = this.devices.find((x) => x.name === name);
    if (!d) throw new Error(`no device ${name}`);
    return d;
  }

  /** The open Messenger of a device (the command's precondition guarantees it is open). */
  messenger(name: string): Messenger {
    const m = this.device(name).messenger;
    if (!m) throw new Error(`${name} is closed`);
    return m;
  }

  /** The account id of account `i` (every device of it shares it; the phrase is never rotated here). */
  accountId(i: number): string {
    return this.accountIds[i]!;
  }

  invite(account: number): string {
    return this.#invites[account]!;
  }

  async open(name: string): Promise<void> {
    const d = this.device(name);
    if (d.messenger) return;
    d.messenger = await this.#open(d.dir, d.proxy.url);
  }

  async close(name: string): Promise<void> {
    const d = this.device(name);
    const m = d.messenger;
    if (!m) return;
    d.messenger = null;
    if (m.revoked) {
      await m.revoked;
      return;
    }
    // Today an envelope whose handler starts after close() stopped the link waits RELAY_ONLINE_WAIT_MS (15 s)
    // for a connection that never comes; the run notes such a slow command.
    await m.close();
  }

  setOnline(name: string, online: boolean): void {
    this.device(name).proxy.setDeviceOnline(online);
  }

  /**
   * Runs the device's profile in a child process and SIGKILLs it right after
   * a receive commit, before the ack leaves (or, when nothing arrives, a
   * moment after it came online). Returns which of the two it was.
   */
  async kill(name: string): Promise<'commit' | 'idle'> {
    await this.close(name);
    const d = this.device(name);
    const child = spawn(process.execPath, [this.template.childJs], {
      env: { ...process.env, PROFILE_DIR: d.dir, RELAY_URL: d.proxy.url, KEYCHAIN_KEY: sodium.to_hex(this.template.key), NODE_PATH: path.join(repoRoot, 'node_modules') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let how: 'commit' | 'idle' | null = null;
    const guard = setTimeout(() => child.kill('SIGKILL'), KILL_GUARD_MS);
    let idle: NodeJS.Timeout | null = null;
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (how === null && out.includes('commit')) {
        how = 'commit';
        child.kill('SIGKILL');
      } else if (how === null && idle === null && out.includes('online')) {
        idle = setTimeout(() => {
          how ??= 'idle';
          child.kill('SIGKILL');
        }, KILL_IDLE_MS);
      }
    });
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, s) => resolve(s)));
    clearTimeout(guard);
    if (idle) clearTimeout(idle);
    if (signal !== 'SIGKILL' || how === null) throw new Error(`kill child for ${name} ended on its own: ${err || out}`);
    return how;
  }

  /** Links a new device to account `account` from its device `from`; it ends open and online on its own proxy. */
  async link(from: string, newName: string): Promise<WorldDevice> {
    const linker = this.messenger(from);
    const account = this.device(from).account;
    const dir = path.join(this.dir, `p${account}-${++this.#links}`);
    let code = '';
    const user = new CodeComparer();
    const linking = Messenger.link({ dir, relayUrl: linker.relayUrl, deviceName: newName, keychain: this.#keychain, onCode: (c) => (code = c), confirm: user.confirm });
    // A failed link rejects `linking`; watch it so the wait for a code ends early.
    let failed: unknown = null;
    linking.catch((e: unknown) => (failed = e));
    await eventually(() => code || failed);
    if (failed) throw failed as Error;
    user.saw(linker.devices.inspectLink(code));
    await linker.devices.acceptLink(code, null);
    const fresh = await linking;
    // The prekey upload runs once online from memory: let it finish before reopening on the device's own proxy.
    await eventually(() => fresh.store.directory.setting(SETTING.prekeysUploaded) === '1');
    const deviceId = fresh.keys.deviceId;
    await fresh.close();
    const proxy = await RelayProxy.start(this.hostile.port);
    const device: WorldDevice = { name: newName, account, dir, proxy, deviceId, messenger: await this.#open(dir, proxy.url), revoked: false };
    this.devices.push(device);
    return device;
  }

  async revoke(from: string, target: string): Promise<void> {
    const t = this.device(target);
    await this.messenger(from).devices.revokeDevice(t.deviceId);
    t.revoked = true;
  }

  /** Stops the relay and starts it again on the same data; devices reconnect through their proxies and the hostile one. */
  async restartRelay(): Promise<void> {
    for (const d of this.devices) d.proxy.setUpstream(null);
    await this.#relay.close();
    this.#relay = await startRelay({ logger: relayLogger, dataDir: path.join(this.dir, 'relay') });
    this.hostile.retarget(this.#relay.url);
    for (const d of this.devices) d.proxy.setUpstream(this.hostile.port);
  }

  /** Closes every profile, proxy and the relay; returns the profiles that failed to close. The files stay until remove(). */
  async shutdown(): Promise<string[]> {
    const failed: string[] = [];
    await Promise.all(this.devices.map((d) => this.close(d.name).catch((e: unknown) => failed.push(`${d.name}: ${String(e)}`))));
    await Promise.all(this.devices.map((d) => d.proxy.close()));
    await this.hostile.close();
    await this.#relay.close();
    return failed;
  }

  /** Deletes the scenario's files. */
  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
