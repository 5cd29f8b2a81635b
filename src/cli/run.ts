/**
 * The headless client: one command per invocation on the same core as the
 * app. With --json every result is one JSON object per line on stdout;
 * errors go to stderr as {"error":CODE,"message":…} with a non-zero exit
 * status, never a stack trace.
 */
import { isParleyError } from '../shared/errors';
import { DEFAULT_RELAY_URL } from '../shared/constants';
import { Messenger } from '../main/chat/messenger';
import type { IncomingText } from '../main/chat/context';
import { CliError, parseArgs, USAGE, type CliArgs } from './args';

export interface CliIo {
  readonly env: Record<string, string | undefined>;
  out(line: string): void;
  err(line: string): void;
  /** Reads the passphrase when PARLEY_PASSPHRASE is not set (a hidden prompt on a terminal). */
  readPassphrase(): Promise<string | null>;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM), for `receive --follow`. */
  stopSignal: Promise<void>;
}

const CONNECT_WAIT_MS = 5_000;

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

function printer(args: CliArgs, io: CliIo) {
  return (value: Record<string, unknown>, human: string) => io.out(args.json ? JSON.stringify(value) : human);
}

async function execute(args: CliArgs, io: CliIo): Promise<number> {
  const print = printer(args, io);
  const cmd = args.command;
  const inbox: IncomingText[] = [];
  let wake: (() => void) | null = null;
  const events = {
    incomingText: (m: IncomingText) => {
      inbox.push(m);
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
      const words = phrase.split(' ');
      messenger.confirmPhrase([0, 11, 23].map((index) => ({ index, word: words[index]! })));
      print({ invite: messenger.invite(), phrase }, `Invite code: ${messenger.invite()}\nRecovery phrase (write it down; it is shown only now):\n${phrase}`);
    } finally {
      await messenger.close();
    }
    return 0;
  }

  const messenger = await Messenger.open({ dir: args.dataDir, passphrase: await passphrase(io), relayUrl: args.relayUrl ?? undefined, events });
  try {
    switch (cmd.name) {
      case 'invite':
        print({ invite: messenger.invite() }, messenger.invite());
        break;
      case 'contact-add': {
        const c = await messenger.addContact(cmd.code, cmd.contactName);
        await messenger.flush();
        print({ contact: { name: c.name, accountId: c.accountId, trust: c.trust } }, `Added ${c.name}.`);
        break;
      }
      case 'contacts':
        for (const c of messenger.contacts()) print({ name: c.name, accountId: c.accountId, trust: c.trust }, `${c.name}\t${c.trust}`);
        break;
      case 'safety-number': {
        const c = messenger.contactByName(cmd.contactName);
        const n = messenger.safetyNumber(c.accountId);
        print({ name: c.name, safetyNumber: n.groups.join(' '), verified: c.trust === 'verified' }, `${c.name}: ${n.groups.join(' ')}`);
        break;
      }
      case 'verify': {
        const c = messenger.setVerified(messenger.contactByName(cmd.contactName).accountId, true);
        print({ name: c.name, trust: c.trust }, `${c.name} is verified.`);
        break;
      }
      case 'send': {
        if (cmd.file !== null) throw new CliError('CLI_USAGE', 'Sending files from the CLI is not available in this version.');
        const c = messenger.contactByName(cmd.contactName);
        const m = await messenger.sendText(c.accountId, cmd.text!);
        print({ id: m.id }, `Queued ${m.id}.`);
        if (await messenger.waitOnline(CONNECT_WAIT_MS)) await messenger.flush();
        break;
      }
      case 'receive': {
        await messenger.waitOnline(CONNECT_WAIT_MS);
        let printed = 0;
        const emit = () => {
          for (; printed < inbox.length; printed++) {
            const m = inbox[printed]!;
            print({ from: m.from, text: m.text, id: m.id, sentAt: m.sentAt }, `${new Date(m.sentAt).toISOString()} ${m.from}: ${m.text}`);
          }
        };
        let stopped = false;
        void io.stopSignal.then(() => {
          stopped = true;
          wake?.();
        });
        for (;;) {
          emit();
          if (stopped) break;
          const before = inbox.length;
          await new Promise<void>((resolve) => {
            wake = resolve;
            if (!cmd.follow) setTimeout(resolve, cmd.timeoutS * 1000);
          });
          wake = null;
          if (!cmd.follow && inbox.length === before) break;
        }
        emit();
        await messenger.drain();
        await messenger.flush();
        break;
      }
      case 'history': {
        const c = messenger.contactByName(cmd.contactName);
        for (const m of messenger.history(c.accountId, Math.min(cmd.limit, 500))) {
          const from = m.direction === 'out' ? 'me' : c.name;
          print({ id: m.id, from, text: m.body, sentAt: m.sentAt, state: m.state }, `${new Date(m.sentAt).toISOString()} ${from}: ${m.body}`);
        }
        break;
      }
      case 'search': {
        const names = new Map(messenger.contacts().map((c) => [c.accountId, c.name]));
        for (const m of messenger.search(cmd.text)) {
          const conversation = names.get(m.conversationId) ?? m.conversationId;
          const from = m.direction === 'out' ? 'me' : conversation;
          print({ id: m.id, conversation, from, text: m.body, sentAt: m.sentAt }, `${conversation} · ${from}: ${m.body}`);
        }
        break;
      }
    }
  } finally {
    await messenger.close();
  }
  return 0;
}
