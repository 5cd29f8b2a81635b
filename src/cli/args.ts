/**
 * Argument parsing for `parley --data DIR --relay URL [--json] COMMAND ...`.
 * Every mistake becomes a CliError with code CLI_USAGE and one sentence.
 */
import { ParleyError } from '../shared/errors';
import { GROUP_USAGE, parseGroupCommand, type GroupCommand } from './groupArgs';
import { AUDIT_LOG_MAX_ROWS, LINK_DEFAULT_HISTORY_DAYS, LINK_DEVICE_NAME_MAX_BYTES, MAX_DISAPPEARING_TIMER_S, REACTION_MAX_CHARS } from '../shared/constants';

/** Why the command line was refused: bad usage, no passphrase available, no answer to the linking code check, or the person said no when asked. */
export type CliErrorCode = 'CLI_USAGE' | 'CLI_NO_PASSPHRASE' | 'CLI_NO_CONFIRMATION' | 'CLI_NOT_CONFIRMED';
/** The error parseArgs and the passphrase prompt raise. */
export class CliError extends ParleyError<CliErrorCode> {}

/** One parsed CLI command and its arguments. */
export type Command =
  | { readonly name: 'init'; readonly displayName: string }
  | { readonly name: 'invite' }
  | { readonly name: 'contact-add'; readonly code: string; readonly contactName: string }
  | { readonly name: 'contacts' }
  | { readonly name: 'safety-number'; readonly contactName: string }
  | { readonly name: 'verify'; readonly contactName: string }
  | { readonly name: 'send'; readonly contactName: string; readonly text: string | null; readonly file: string | null; readonly replyTo: string | null; readonly groupName?: string | undefined }
  | { readonly name: 'edit'; readonly contactName: string; readonly id: string; readonly text: string; readonly groupName?: string | undefined }
  | { readonly name: 'delete'; readonly contactName: string; readonly id: string; readonly forEveryone: boolean; readonly groupName?: string | undefined }
  | { readonly name: 'react'; readonly contactName: string; readonly id: string; readonly emoji: string | null; readonly groupName?: string | undefined }
  | { readonly name: 'read'; readonly contactName: string; readonly groupName?: string | undefined }
  | { readonly name: 'timer'; readonly contactName: string; readonly seconds: number | null; readonly groupName?: string | undefined }
  | { readonly name: 'receive'; readonly timeoutS: number; readonly follow: boolean; readonly attachmentsDir: string | null }
  | { readonly name: 'export'; readonly contactName: string | null; readonly format: 'json' | 'html'; readonly out: string; readonly yes: boolean; readonly groupName?: string | undefined }
  | { readonly name: 'history'; readonly contactName: string; readonly limit: number; readonly groupName?: string | undefined }
  | GroupCommand
  | { readonly name: 'search'; readonly text: string }
  | { readonly name: 'link-show'; readonly deviceName: string }
  | { readonly name: 'link-accept'; readonly link: string; readonly historyDays: number | null }
  | { readonly name: 'devices' }
  | { readonly name: 'revoke'; readonly deviceId: string; readonly secure: boolean }
  | { readonly name: 'recover'; readonly deviceName: string }
  | { readonly name: 'backup' }
  | { readonly name: 'audit'; readonly limit: number }
  | { readonly name: 'health'; readonly contactName: string }
  | { readonly name: 'relay' }
  | { readonly name: 'relay-trust'; readonly relayKey: string }
  | { readonly name: 'daemon'; readonly socket: string | null };

/** The parsed command line: data directory, relay, output mode and the command. */
export interface CliArgs {
  readonly dataDir: string;
  readonly relayUrl: string | null;
  readonly json: boolean;
  readonly command: Command;
}

/** The help text `parley` prints on a usage error. */
export const USAGE = `usage: parley --data DIR [--relay ws://HOST:PORT] [--json] COMMAND
       parley --version [--json]
commands:
  init --name NAME              create an account (prints the invite and the recovery phrase once)
  invite                        print your invite code
  contact add CODE --name NAME  add a contact from their invite code
  contacts                      list contacts
  safety-number NAME            show the safety number with a contact
  verify NAME                   mark a contact's safety number as verified
  send NAME TEXT [--reply-to ID] | --file PATH   send a message (or a reply) or a file
  send --group GROUP TEXT [--reply-to ID] | --file PATH   send to a group
${GROUP_USAGE}
  edit NAME ID TEXT             edit one of your messages
  delete NAME ID [--for-everyone]   delete a message here (or your own for everyone)
  react NAME ID EMOJI | --remove    react to a message, or remove your reaction
  read NAME                     mark a conversation read (sends read receipts when they are on)
  timer NAME SECONDS|off        set the disappearing-message timer
  receive [--timeout S] [--follow] [--attachments DIR]   print incoming messages and events (saving files into DIR)
  export NAME|--all --format json|html --out PATH [--yes]   write conversations out as plaintext (asks first)
  history NAME | --group GROUP [--limit N]   print a conversation
  search TEXT                   search all messages
  link --show [--name DEVICE]   on a new device: print a link code and QR, then the account and a short code;
                                link only after y (terminal) or the other device's code (stdin)
  link --accept LINK [--history-days N|all]   on an existing device: print the short code and link the new device
  devices                       list this account's devices
  revoke ID [--secure]          remove a device from the account; --secure also rotates the account key and
                                recovery phrase and retires the old key on the relay (prints the new phrase)
  recover [--name DEVICE]       restore the account from the recovery phrase read from stdin
  relay                         show the relay and the identity key pinned for it
  relay trust KEY               accept the relay's new identity key (after checking it with its operator)
  backup --now                  write the encrypted backup now
  audit [--limit N]             print the audit log of key and session events, newest first
  health NAME                   show session health with each of a contact's devices
  daemon [--socket PATH]        unlock once and serve JSON-RPC 2.0 on stdin/stdout or a Unix socket (0600)
The passphrase comes from PARLEY_PASSPHRASE or a prompt.`;

const usage = (message: string): never => {
  throw new CliError('CLI_USAGE', message);
};

function takeFlag(rest: string[], flag: string): string | null {
  const i = rest.indexOf(flag);
  if (i < 0) return null;
  const value = rest[i + 1];
  if (value === undefined || value.startsWith('--')) usage(`${flag} needs a value.`);
  rest.splice(i, 2);
  return value!;
}

function takeSwitch(rest: string[], flag: string): boolean {
  const i = rest.indexOf(flag);
  if (i < 0) return false;
  rest.splice(i, 1);
  return true;
}

function positiveInt(text: string, flag: string, max: number): number {
  if (!/^\d+$/u.test(text)) usage(`${flag} must be a whole number.`);
  const n = Number(text);
  if (n < 1 || n > max) usage(`${flag} must be between 1 and ${max}.`);
  return n;
}

/** A device name from --name (or the default), within what a link code carries. */
function deviceName(given: string | null): string {
  const name = (given ?? 'Parley CLI').trim();
  if (name.length === 0 || new TextEncoder().encode(name).length > LINK_DEVICE_NAME_MAX_BYTES) usage(`--name must be 1 to ${LINK_DEVICE_NAME_MAX_BYTES} bytes.`);
  return name;
}

/** What a message id looks like (as `send`, `history` and `receive` print it); the daemon's params check the same. */
export const MESSAGE_ID_PATTERN = /^[A-Za-z0-9_-]{16,43}$/u;

/** A message id as `send`, `history` and `receive` print it. */
function messageId(text: string): string {
  if (!MESSAGE_ID_PATTERN.test(text)) usage('A message id is 16 to 43 characters, as “send”, “history” or “receive” print it.');
  return text;
}

/** An emoji (any short text the app would send as a reaction). */
function emoji(text: string): string {
  if (text.length === 0 || text.length > REACTION_MAX_CHARS) usage(`A reaction is 1 to ${REACTION_MAX_CHARS} characters.`);
  return text;
}

function noExtra(rest: string[]): void {
  if (rest.length > 0) usage(`Unexpected argument “${rest[0]}”.`);
}

function one(rest: string[], what: string): string {
  const v = rest.shift();
  if (v === undefined || v.startsWith('--')) usage(`Missing ${what}.`);
  return v!;
}

/** Parses `parley` arguments into flags and one command; throws CliError('CLI_USAGE') on anything else. */
export function parseArgs(argv: readonly string[]): CliArgs {
  const rest = [...argv];
  const dataDir = takeFlag(rest, '--data');
  const relayUrl = takeFlag(rest, '--relay');
  const json = takeSwitch(rest, '--json');
  if (dataDir === null) usage('--data DIR is required.');
  if (relayUrl !== null && !/^wss?:\/\/\S+$/u.test(relayUrl)) usage('--relay must be a ws:// or wss:// URL.');
  const verb = rest.shift();
  if (verb === undefined) usage('Missing command.');
  let command: Command;
  switch (verb) {
    case 'init': {
      const displayName = takeFlag(rest, '--name') ?? usage('init needs --name NAME.');
      command = { name: 'init', displayName };
      break;
    }
    case 'invite':
      command = { name: 'invite' };
      break;
    case 'contact': {
      if (rest.shift() !== 'add') usage('Did you mean “contact add CODE --name NAME”?');
      const contactName = takeFlag(rest, '--name') ?? usage('contact add needs --name NAME.');
      command = { name: 'contact-add', code: one(rest, 'invite code'), contactName };
      break;
    }
    case 'contacts':
      command = { name: 'contacts' };
      break;
    case 'safety-number':
      command = { name: 'safety-number', contactName: one(rest, 'contact name') };
      break;
    case 'verify':
      command = { name: 'verify', contactName: one(rest, 'contact name') };
      break;
    case 'send': {
      const file = takeFlag(rest, '--file');
      const replyTo = takeFlag(rest, '--reply-to');
      const groupName = takeFlag(rest, '--group') ?? undefined;
      if (replyTo !== null && file !== null) usage('--reply-to goes with a text, not --file.');
      if (replyTo !== null) messageId(replyTo);
      const contactName = groupName === undefined ? one(rest, 'contact name') : '';
      const text = file === null ? one(rest, 'message text') : null;
      command = { name: 'send', contactName, text, file, replyTo, groupName };
      break;
    }
    case 'edit': {
      const groupName = takeFlag(rest, '--group') ?? undefined;
      const contactName = groupName === undefined ? one(rest, 'contact name') : '';
      command = { name: 'edit', contactName, id: messageId(one(rest, 'message id')), text: one(rest, 'new text'), groupName };
      break;
    }
    case 'delete': {
      const forEveryone = takeSwitch(rest, '--for-everyone');
      const groupName = takeFlag(rest, '--group') ?? undefined;
      const contactName = groupName === undefined ? one(rest, 'contact name') : '';
      command = { name: 'delete', contactName, id: messageId(one(rest, 'message id')), forEveryone, groupName };
      break;
    }
    case 'react': {
      const remove = takeSwitch(rest, '--remove');
      const groupName = takeFlag(rest, '--group') ?? undefined;
      const contactName = groupName === undefined ? one(rest, 'contact name') : '';
      const id = messageId(one(rest, 'message id'));
      command = { name: 'react', contactName, id, emoji: remove ? null : emoji(one(rest, 'emoji')), groupName };
      break;
    }
    case 'read': {
      const groupName = takeFlag(rest, '--group') ?? undefined;
      command = { name: 'read', contactName: groupName === undefined ? one(rest, 'contact name') : '', groupName };
      break;
    }
    case 'timer': {
      const groupName = takeFlag(rest, '--group') ?? undefined;
      const contactName = groupName === undefined ? one(rest, 'contact name') : '';
      const s = one(rest, 'SECONDS or off');
      command = { name: 'timer', contactName, seconds: s === 'off' ? null : positiveInt(s, 'timer', MAX_DISAPPEARING_TIMER_S), groupName };
      break;
    }
    case 'receive': {
      const t = takeFlag(rest, '--timeout');
      const follow = takeSwitch(rest, '--follow');
      const attachmentsDir = takeFlag(rest, '--attachments');
      command = { name: 'receive', timeoutS: t === null ? 5 : positiveInt(t, '--timeout', 86_400), follow, attachmentsDir };
      break;
    }
    case 'export': {
      const all = takeSwitch(rest, '--all');
      const format = takeFlag(rest, '--format') ?? usage('export needs --format json or html.');
      if (format !== 'json' && format !== 'html') usage('--format is json or html.');
      const out = takeFlag(rest, '--out') ?? usage('export needs --out PATH.');
      const yes = takeSwitch(rest, '--yes');
      const groupName = takeFlag(rest, '--group') ?? undefined;
      const contactName = all || groupName !== undefined ? null : one(rest, 'contact name (or --group NAME, or --all)');
      command = { name: 'export', contactName, format: format as 'json' | 'html', out, yes, groupName };
      break;
    }
    case 'history': {
      const l = takeFlag(rest, '--limit');
      const groupName = takeFlag(rest, '--group') ?? undefined;
      command = { name: 'history', contactName: groupName === undefined ? one(rest, 'contact name') : '', limit: l === null ? 50 : positiveInt(l, '--limit', 10_000), groupName };
      break;
    }
    case 'search':
      command = { name: 'search', text: one(rest, 'search text') };
      break;
    case 'link': {
      const accept = takeFlag(rest, '--accept');
      const show = takeSwitch(rest, '--show');
      if (accept !== null && !show) {
        const h = takeFlag(rest, '--history-days');
        command = { name: 'link-accept', link: accept, historyDays: h === null ? LINK_DEFAULT_HISTORY_DAYS : h === 'all' ? null : positiveInt(h, '--history-days', 36_500) };
      } else if (show && accept === null) {
        command = { name: 'link-show', deviceName: deviceName(takeFlag(rest, '--name')) };
      } else return usage('Use “link --show” on the new device or “link --accept LINK” on an existing one.');
      break;
    }
    case 'devices':
      command = { name: 'devices' };
      break;
    case 'revoke': {
      const secure = takeSwitch(rest, '--secure');
      const deviceId = one(rest, 'device id');
      if (!/^[A-Za-z0-9_-]{43}$/u.test(deviceId)) usage('A device id is 43 characters, as “devices” prints it.');
      command = { name: 'revoke', deviceId, secure };
      break;
    }
    case 'recover':
      command = { name: 'recover', deviceName: deviceName(takeFlag(rest, '--name')) };
      break;
    case 'backup':
      if (!takeSwitch(rest, '--now')) usage('Did you mean “backup --now”?');
      command = { name: 'backup' };
      break;
    case 'audit': {
      const l = takeFlag(rest, '--limit');
      command = { name: 'audit', limit: l === null ? 50 : positiveInt(l, '--limit', AUDIT_LOG_MAX_ROWS) };
      break;
    }
    case 'health':
      command = { name: 'health', contactName: one(rest, 'contact name') };
      break;
    case 'relay': {
      if (rest[0] !== 'trust') {
        command = { name: 'relay' };
        break;
      }
      rest.shift();
      const relayKey = one(rest, 'relay key');
      if (!/^[A-Za-z0-9_-]{43}$/u.test(relayKey)) usage('A relay key is 43 characters, as the warning or “relay” prints it.');
      command = { name: 'relay-trust', relayKey };
      break;
    }
    case 'daemon': {
      const socket = takeFlag(rest, '--socket');
      if (socket !== null && socket.trim() === '') usage('--socket needs a file path.');
      command = { name: 'daemon', socket };
      break;
    }
    case 'group':
    case 'groups':
      command = parseGroupCommand(verb, rest, { one, takeFlag, usage });
      break;
    default:
      return usage(`Unknown command “${verb}”.`);
  }
  noExtra(rest);
  return { dataDir: dataDir!, relayUrl, json, command };
}
