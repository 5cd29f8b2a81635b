/**
 * The headless client: one command per invocation on the same core as the
 * app. With --json every result is one JSON object per line on stdout;
 * errors go to stderr as {"error":CODE,"message":…} with a non-zero exit
 * status, never a stack trace.
 */
import { isParleyError } from '../shared/errors';
import { CLI_CONNECT_WAIT_MS, DEFAULT_RELAY_URL } from '../shared/constants';
import { Messenger } from '../main/messenger/messenger';
import type { ChatEvents } from '../main/conversations/context';
import type { ConnectionState } from '../shared/contract';
import { CliInbox, humanLine } from './inbox';
import { runConversationCommand } from './commands';
import { CliError, parseArgs, USAGE, type CliArgs } from './args';
import QRCode from 'qrcode';
import type { Readable } from 'node:stream';
import { mkdir, stat } from 'node:fs/promises';
import { sessionHealth } from '../main/contacts/health';
import { formatDetail, formatHealth } from './report';
import { confirmPrinted, contactJson, contactWarning, revokeAndSecure, revokedLine } from './warnings';
import { runDaemon } from './daemon';
import { runGroupCommand, senderName } from './groupCommands';

/** Makes the --attachments folder (private to this user) if it is missing; a path that is not a folder is a usage error. */
async function attachmentsFolder(dir: string): Promise<void> {
  const info = await stat(dir).catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  });
  if (info === null) await mkdir(dir, { recursive: true, mode: 0o700 });
  else if (!info.isDirectory()) throw new CliError('CLI_USAGE', `--attachments ${dir} is not a folder.`);
}

/** An export writes plaintext: with --json it needs --yes; otherwise a terminal is asked (or --yes given). Throws CLI_NOT_CONFIRMED or CLI_USAGE when not. */
async function confirmExport(args: CliArgs, io: CliIo, cmd: Extract<CliArgs['command'], { name: 'export' }>): Promise<void> {
  if (cmd.yes) return;
  if (args.json) throw new CliError('CLI_USAGE', 'export writes your messages as plaintext files; with --json, pass --yes to confirm.');
  const what = cmd.contactName === null ? 'every conversation' : `the conversation with ${cmd.contactName}`;
  const answer = (await io.confirm?.(`Write ${what} as unencrypted files to ${cmd.out}? Anyone who can read those files can read the messages. [y/N] `)) ?? null;
  if (answer === null) throw new CliError('CLI_USAGE', 'export writes plaintext files; run it in a terminal to be asked, or pass --yes.');
  if (!answer) throw new CliError('CLI_NOT_CONFIRMED', 'Nothing was exported.');
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
  /** Standard input as a stream (`daemon` reads its JSON-RPC requests from it). */
  readonly input?: Readable | undefined;
  /** One line: asked on a terminal, else read from piped stdin; null when there is none (the linking short code for `link --show`). */
  readLine?(prompt: string): Promise<{ text: string; terminal: boolean } | null>;
  /** Asks a yes/no question on a terminal; absent (or resolving null) when there is no terminal to ask on. */
  confirm?(question: string): Promise<boolean | null>;
}

/**
 * `link --show`'s question: does the other desktop show this code? On a
 * terminal `y` or the code itself answers yes; piped, only the code does
 * (a script must have compared it). Anything else refuses the account.
 */
async function codeMatches(io: CliIo, shortCode: string): Promise<boolean> {
  const answer = await io.readLine?.('Does your other desktop show exactly this code? Type y or the code to link, anything else to refuse: ');
  if (!answer) throw new CliError('CLI_NO_CONFIRMATION', 'Nothing answered the code check: on a terminal type y, or pipe the code the other desktop shows into stdin.');
  const text = answer.text.trim();
  const digits = (s: string) => s.replace(/\s+/gu, '');
  return (answer.terminal && /^y(es)?$/iu.test(text)) || (text !== '' && digits(text) === digits(shortCode));
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
  if (args.command.name === 'daemon') return runDaemon({ dataDir: args.dataDir, relayUrl: args.relayUrl, socket: args.command.socket }, io, () => passphrase(io));
  const print = printer(args, io);
  const cmd = args.command;
  let arrived = 0;
  let wake: (() => void) | null = null;
  const arrival = () => {
    arrived++;
    wake?.();
  };
  // Texts, placeholders, and edits, deletes, reactions, receipts and timers (which change rows or conversations).
  const events: Partial<ChatEvents> = { incomingText: arrival, undecryptable: arrival, messagesChanged: arrival, conversationsChanged: arrival };

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
      confirmPrinted(messenger, phrase);
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
      confirm: (check) => {
        print(
          { check: { accountName: check.accountName, accountId: check.accountId, shortCode: check.shortCode } },
          `Account: “${check.accountName}”\nCode: ${check.shortCode}  (your other desktop shows a code too; link only if it is the same)`,
        );
        return codeMatches(io, check.shortCode);
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
        for (const c of messenger.contacts.list()) {
          const w = contactWarning(c);
          print(contactJson(c), `${c.name}\t${c.trust}${w ? `\t${w.text}` : ''}`);
        }
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
      case 'group-create':
      case 'group-add':
      case 'group-remove':
      case 'group-new-key':
      case 'group-leave':
      case 'groups':
        await messenger.waitOnline(CLI_CONNECT_WAIT_MS);
        for (const o of await runGroupCommand(messenger, cmd)) print(o.json, o.human);
        if (cmd.name !== 'groups' && (await messenger.waitOnline(CLI_CONNECT_WAIT_MS))) await messenger.conversations.flush();
        break;
      case 'receive': {
        await messenger.waitOnline(CLI_CONNECT_WAIT_MS);
        if (cmd.attachmentsDir !== null) await attachmentsFolder(cmd.attachmentsDir);
        const inbox = new CliInbox(messenger);
        const emit = async () => {
          for (const line of await inbox.next(cmd.attachmentsDir)) print(line, humanLine(line));
          inbox.commit();
        };
        let stopped = false;
        void io.stopSignal.then(() => {
          stopped = true;
          wake?.();
        });
        for (;;) {
          await emit();
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
        await emit();
        await messenger.conversations.flush();
        break;
      }
      case 'export':
        if (cmd.contactName !== null) messenger.contacts.byName(cmd.contactName); // an unknown name fails before the question
        await confirmExport(args, io, cmd);
        for (const o of await runConversationCommand(messenger, cmd)) print(o.json, o.human);
        break;
      case 'send':
      case 'history':
      case 'edit':
      case 'delete':
      case 'react':
      case 'read':
      case 'timer': {
        const group = (cmd.name === 'history' || cmd.name === 'send') && cmd.groupName !== undefined;
        if (group && cmd.name === 'send') await messenger.waitOnline(CLI_CONNECT_WAIT_MS);
        const lines = group ? await runGroupCommand(messenger, cmd) : await runConversationCommand(messenger, cmd);
        for (const o of lines) print(o.json, o.human);
        if (cmd.name !== 'history' && (await messenger.waitOnline(CLI_CONNECT_WAIT_MS))) await messenger.conversations.flush();
        break;
      }
      case 'link-accept': {
        await messenger.waitOnline(CLI_CONNECT_WAIT_MS);
        const { deviceName, accountName, shortCode } = messenger.devices.inspectLink(cmd.link);
        print({ check: { deviceName, accountName, shortCode } }, `Linking “${deviceName}” to “${accountName}”. Code: ${shortCode}. The new device must show the same code; confirm there only if it does.`);
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
      case 'revoke': {
        await messenger.waitOnline(CLI_CONNECT_WAIT_MS);
        const done = await revokeAndSecure(messenger, cmd.deviceId, cmd.secure);
        await messenger.conversations.flush();
        print(done, revokedLine(done));
        break;
      }
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
        const w = contactWarning(c);
        if (w) print({ name: c.name, warning: w.code }, w.text);
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
        const names = new Map([...messenger.contacts.list().map((c) => [c.accountId, c.name] as const), ...messenger.groups.list().map((g) => [g.id, g.name] as const)]);
        for (const m of messenger.conversations.search(cmd.text)) {
          const conversation = names.get(m.conversationId) ?? m.conversationId;
          const inGroup = messenger.groups.hooks.isGroup(m.conversationId);
          const from = m.direction === 'out' ? 'me' : inGroup ? senderName(messenger, m.conversationId, m.sender) : conversation;
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
