/**
 * The headless client: one command per invocation on the same core as the
 * app. With --json every result is one JSON object per line on stdout;
 * errors go to stderr as {"error":CODE,"message":…} with a non-zero exit
 * status, never a stack trace.
 */
import { isParleyError } from '../shared/errors';
import { ATTACHMENT_IPC_CHUNK_BYTES, CLI_CONNECT_WAIT_MS, DEFAULT_RELAY_URL, MAX_ATTACHMENT_BYTES } from '../shared/constants';
import { Messenger } from '../main/messenger/messenger';
import type { ChatEvents } from '../main/conversations/context';
import type { ConnectionState } from '../shared/contract';
import { CliInbox, undecryptableNotice } from './inbox';
import { CliError, parseArgs, USAGE, type CliArgs } from './args';
import QRCode from 'qrcode';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Message } from '../main/store';
import { sessionHealth } from '../main/contacts/health';
import { formatDetail, formatHealth } from './report';

/** Types the app previews; anything else is sent as a plain file. */
const MIME_BY_EXTENSION: Record<string, string> = {
  '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp', '.pdf': 'application/pdf', '.txt': 'text/plain',
};

/** Streams a file into an attachment message, chunk by chunk (never fully in memory). */
async function sendFile(messenger: Messenger, conversationId: string, file: string): Promise<Message> {
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) throw new CliError('CLI_USAGE', `--file ${file} is not a readable file.`);
  if (info.size === 0 || info.size > MAX_ATTACHMENT_BYTES) throw new CliError('CLI_USAGE', `--file must be 1 byte to ${MAX_ATTACHMENT_BYTES} bytes.`);
  const upload = messenger.attachments.begin(conversationId, path.basename(file).slice(0, 255), MIME_BY_EXTENSION[path.extname(file).toLowerCase()] ?? 'application/octet-stream', info.size);
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(ATTACHMENT_IPC_CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      await messenger.attachments.append(upload, buf.subarray(0, bytesRead));
    }
  } catch (e) {
    messenger.attachments.cancel(upload);
    throw e;
  } finally {
    await fh.close();
  }
  return messenger.attachments.finish(upload);
}

/** What the CLI needs from its process: environment, output, passphrase prompt, stop signal and stdin (tests pass their own). */
export interface CliIo {
  readonly env: Record<string, string | undefined>;
  out(line: string): void;
  err(line: string): void;
  /** Reads the passphrase when PARLEY_PASSPHRASE is not set (a hidden prompt on a terminal). */
  readPassphrase(): Promise<string | null>;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM), for `receive --follow`. */
  stopSignal: Promise<void>;
  /** All of standard input (the recovery phrase for `recover`). */
  readStdin(): Promise<string>;
}

/** Runs one `parley` command and returns its exit status; errors are printed (as JSON with --json), never thrown. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let args: CliArgs | null = null;
  try {
    args = parseArgs(argv);
    return await execute(args, io);
  } catch (e) {
    const json = args?.json ?? argv.includes('--json');
    const code = isParleyError(e) ? e.code : 'CLI_INTERNAL';
    const message = isParleyError(e) ? e.message : 'Something went wrong inside Parley.';
    if (json) io.err(JSON.stringify({ error: code, message }));
    else io.err(`error: ${message}${code === 'CLI_USAGE' ? `\n${USAGE}` : ''}`);
    return code === 'CLI_USAGE' ? 2 : 1;
  }
}

async function passphrase(io: CliIo): Promise<string> {
  const p = io.env['PARLEY_PASSPHRASE'] ?? (await io.readPassphrase());
  if (!p) throw new CliError('CLI_NO_PASSPHRASE', 'Set PARLEY_PASSPHRASE or run in a terminal to be asked for the passphrase.');
  return p;
}

/** Says once, on stderr, that the relay proved a key other than the pin (so nothing was signed) and how to accept it. */
function relayKeyWarning(args: CliArgs, io: CliIo): (s: ConnectionState) => void {
  let told = false;
  return (s) => {
    if (s.reason !== 'relayKeyChanged' || told) return;
    told = true;
    const message = `The relay at ${s.relay} presented a different identity key (${s.relayKey ?? '?'}) than the one pinned for it, so Parley did not sign in. Check the key with the relay's operator, then run “parley relay trust ${s.relayKey ?? 'KEY'}”.`;
    io.err(args.json ? JSON.stringify({ warning: 'RELAY_KEY_CHANGED', relay: s.relay, relayKey: s.relayKey, message }) : `warning: ${message}`);
  };
}

function printer(args: CliArgs, io: CliIo) {
  return (value: Record<string, unknown>, human: string) => io.out(args.json ? JSON.stringify(value) : human);
}

async function execute(args: CliArgs, io: CliIo): Promise<number> {
  const print = printer(args, io);
  const cmd = args.command;
  let arrived = 0;
  let wake: (() => void) | null = null;
  const events: Partial<ChatEvents> = {
    incomingText: () => {
      arrived++;
      wake?.();
    },
    undecryptable: () => {
      arrived++;
      wake?.();
    },
  };

  if (cmd.name === 'init') {
    const { messenger, phrase } = await Messenger.create({
      dir: args.dataDir,
      displayName: cmd.displayName,
      relayUrl: args.relayUrl ?? DEFAULT_RELAY_URL,
      passphrase: await passphrase(io),
      events,
    });
    try {
      // Online first, so the relay key is pinned and the invite carries it (offline, the invite has no relay key).
      await messenger.waitOnline(CLI_CONNECT_WAIT_MS);
      const words = phrase.split(' ');
      messenger.account.confirmPhrase([0, 11, 23].map((index) => ({ index, word: words[index]! })));
      print({ invite: messenger.account.invite(), phrase }, `Invite code: ${messenger.account.invite()}\nRecovery phrase (write it down; it is shown only now):\n${phrase}`);
    } finally {
      await messenger.close();
    }
    return 0;
  }

  if (cmd.name === 'link-show') {
    const relayUrl = args.relayUrl ?? DEFAULT_RELAY_URL;
    const abort = new AbortController();
    void io.stopSignal.then(() => abort.abort());
    const messenger = await Messenger.link({
      dir: args.dataDir,
      relayUrl,
      deviceName: cmd.deviceName,
      passphrase: await passphrase(io),
      events,
      signal: abort.signal,
      onCode: (link) => {
        print({ link }, `Link code: ${link}`);
        // The QR goes where a person looks; with --json, stdout stays one JSON object per line.
        void QRCode.toString(link, { type: 'utf8', errorCorrectionLevel: 'M' }).then((qr) => (args.json ? io.err(qr) : io.out(qr)));
      },
    });
    try {
      print({ linked: true, accountId: messenger.keys.accountId, deviceId: messenger.keys.deviceId }, 'Linked. This device now belongs to the account.');
      await messenger.waitOnline(CLI_CONNECT_WAIT_MS);
      await messenger.conversations.flush();
    } finally {
      await messenger.close();
    }
    return 0;
  }

  if (cmd.name === 'recover') {
    const phrase = (await io.readStdin()).trim();
    if (phrase === '') throw new CliError('CLI_USAGE', 'recover reads the 24-word recovery phrase from standard input.');
    const { messenger, restoredMessages, backupFound } = await Messenger.restore({
      dir: args.dataDir,
      phrase,
      relayUrl: args.relayUrl ?? DEFAULT_RELAY_URL,
      deviceName: cmd.deviceName,
      passphrase: await passphrase(io),
      events,
    });
    try {
      // Online first: the relay's key is pinned then, and the invite carries it.
      await messenger.waitOnline(CLI_CONNECT_WAIT_MS);
      print({ invite: messenger.account.invite(), restoredMessages, backupFound }, `Restored. Invite code: ${messenger.account.invite()}`);
      await messenger.conversations.flush();
    } finally {
      await messenger.close();
    }
    return 0;
  }

  const messenger = await Messenger.open({ dir: args.dataDir, passphrase: await passphrase(io), relayUrl: args.relayUrl ?? undefined, events, onConnection: relayKeyWarning(args, io) });
  try {
    switch (cmd.name) {
      case 'invite':
        print({ invite: messenger.account.invite() }, messenger.account.invite());
        break;
      case 'contact-add': {
        const c = await messenger.contacts.add(cmd.code, cmd.contactName);
        await messenger.conversations.flush();
        print({ contact: { name: c.name, accountId: c.accountId, trust: c.trust } }, `Added ${c.name}.`);
        break;
      }
      case 'contacts':
        for (const c of messenger.contacts.list()) print({ name: c.name, accountId: c.accountId, trust: c.trust }, `${c.name}\t${c.trust}`);
        break;
      case 'safety-number': {
        const c = messenger.contacts.byName(cmd.contactName);
        const n = messenger.contacts.safetyNumber(c.accountId);
        print({ name: c.name, safetyNumber: n.groups.join(' '), verified: c.trust === 'verified' }, `${c.name}: ${n.groups.join(' ')}`);
        break;
      }
      case 'verify': {
        const c = messenger.contacts.setVerified(messenger.contacts.byName(cmd.contactName).accountId, true);
        print({ name: c.name, trust: c.trust }, `${c.name} is verified.`);
        break;
      }
      case 'send': {
        const c = messenger.contacts.byName(cmd.contactName);
        const m = cmd.file === null ? await messenger.conversations.sendText(c.accountId, cmd.text!) : await sendFile(messenger, c.accountId, cmd.file);
        print({ id: m.id }, `Queued ${m.id}.`);
        if (await messenger.waitOnline(CLI_CONNECT_WAIT_MS)) await messenger.conversations.flush();
        break;
      }
      case 'receive': {
        await messenger.waitOnline(CLI_CONNECT_WAIT_MS);
        const inbox = new CliInbox(messenger);
        const emit = () => {
          for (const m of inbox.next()) {
            if (m.type === 'text') print(m, `${new Date(m.sentAt).toISOString()} ${m.from}: ${m.text}`);
            else print(m, `${new Date(m.receivedAt).toISOString()} ${m.message}`);
          }
          inbox.commit();
        };
        let stopped = false;
        void io.stopSignal.then(() => {
          stopped = true;
          wake?.();
        });
        for (;;) {
          emit();
          if (stopped) break;
          const before = arrived;
          await new Promise<void>((resolve) => {
            wake = resolve;
            if (!cmd.follow) setTimeout(resolve, cmd.timeoutS * 1000);
          });
          wake = null;
          if (!cmd.follow && arrived === before) break;
        }
        await messenger.conversations.drain();
        emit();
        await messenger.conversations.flush();
        break;
      }
      case 'history': {
        const c = messenger.contacts.byName(cmd.contactName);
        for (const m of messenger.conversations.history(c.accountId, Math.min(cmd.limit, 500))) {
          const from = m.direction === 'out' ? 'me' : c.name;
          if (m.kind === 'undecryptable') print({ type: 'undecryptable', id: m.id, from, sentAt: m.sentAt, message: undecryptableNotice(c.name) }, `${new Date(m.sentAt).toISOString()} ${undecryptableNotice(c.name)}`);
          else print({ type: 'text', id: m.id, from, text: m.body, sentAt: m.sentAt, state: m.state }, `${new Date(m.sentAt).toISOString()} ${from}: ${m.body}${m.state === 'failed' ? ' (not delivered)' : ''}`);
        }
        break;
      }
      case 'link-accept': {
        await messenger.waitOnline(CLI_CONNECT_WAIT_MS);
        const { deviceName } = messenger.devices.inspectLink(cmd.link);
        const linked = await messenger.devices.acceptLink(cmd.link, cmd.historyDays);
        await messenger.conversations.flush();
        print({ linked: { deviceId: linked.deviceId, name: deviceName } }, `Linked “${deviceName}”.`);
        break;
      }
      case 'devices':
        for (const d of messenger.devices.list()) {
          print({ id: d.deviceId, name: d.name, linkedAt: d.linkedAt, lastSeenAt: d.lastSeenAt, thisDevice: d.isThisDevice }, `${d.deviceId}\t${d.name}${d.isThisDevice ? ' (this device)' : ''}`);
        }
        break;
      case 'revoke':
        await messenger.waitOnline(CLI_CONNECT_WAIT_MS);
        await messenger.devices.revokeDevice(cmd.deviceId);
        await messenger.conversations.flush();
        print({ revoked: cmd.deviceId }, `Revoked ${cmd.deviceId}.`);
        break;
      case 'backup': {
        const s = await messenger.backup.now();
        print({ backedUpAt: s.lastBackupAt }, `Backed up at ${new Date(s.lastBackupAt ?? 0).toISOString()}.`);
        break;
      }
      case 'audit':
        for (const e of messenger.store.audit.list(cmd.limit)) {
          print({ id: e.id, at: e.at, kind: e.kind, detail: e.detail }, `${new Date(e.at).toISOString()} ${e.kind} ${formatDetail(e.detail)}`);
        }
        break;
      case 'health': {
        const c = messenger.contacts.byName(cmd.contactName);
        for (const d of sessionHealth(messenger.store, c.accountId)) print({ name: c.name, ...d }, formatHealth(c.name, d));
        break;
      }
      case 'relay':
        print({ relay: messenger.relayUrl, relayKey: messenger.relayKeyPin() }, `${messenger.relayUrl}\tkey ${messenger.relayKeyPin() ?? '(none pinned yet)'}`);
        break;
      case 'relay-trust':
      {
        messenger.acceptRelayKey(cmd.relayKey);
        const online = await messenger.waitOnline(CLI_CONNECT_WAIT_MS);
        print({ relay: messenger.relayUrl, relayKey: cmd.relayKey, online }, `Trusting ${cmd.relayKey} for ${messenger.relayUrl}${online ? '; signed in.' : '; the relay is not reachable yet.'}`);
      }
        break;
      case 'search': {
        const names = new Map(messenger.contacts.list().map((c) => [c.accountId, c.name]));
        for (const m of messenger.conversations.search(cmd.text)) {
          const conversation = names.get(m.conversationId) ?? m.conversationId;
          const from = m.direction === 'out' ? 'me' : conversation;
          print({ id: m.id, conversation, from, text: m.body, sentAt: m.sentAt }, `${conversation} · ${from}: ${m.body}`);
        }
        break;
      }
    }
  } finally {
    // A one-shot command never lives to see the debounced schedule fire: back up now what it changed (recorded in the backup status if it fails).
    await messenger.backup.beforeExit();
    await messenger.close();
  }
  return 0;
}
