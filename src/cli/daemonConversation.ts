/**
 * The daemon's conversation methods: `send` (a text, a reply or a file),
 * `edit`, `delete`, `react`, `read`, `timer`, `history` and `export`. Each
 * checks its params with zod, builds the same command `parseArgs` makes for
 * `parley COMMAND`, and runs it through the CLI's one table
 * (commands.ts, runConversationCommand), so a method returns exactly what
 * the command prints with --json: one object, or the lines as an array for
 * `history`. `export` writes plaintext, so it requires `"yes": true` as
 * `parley --json export` requires `--yes`.
 */
import { z } from 'zod';
import { MAX_DISAPPEARING_TIMER_S, MAX_MESSAGE_TEXT_CHARS, REACTION_MAX_CHARS, STORE_MAX_PAGE_SIZE } from '../shared/constants';
import { MESSAGE_ID_PATTERN } from './args';
import { runConversationCommand, type ConversationCommand } from './commands';
import { runGroupCommand } from './groupCommands';
import { rpcMethod, type RpcTable } from './daemonRpc';
import type { DaemonContext } from './daemonMethods';

const name = z.string().min(1);
const id = z.string().regex(MESSAGE_ID_PATTERN, 'expected a message id as send, history or receive print it');
const text = z.string().min(1).max(MAX_MESSAGE_TEXT_CHARS);

/** Names the conversation: a contact (`name`) or a group (`group`), exactly one. */
const target = { name: name.optional(), group: name.optional() };
const oneTarget = { error: 'name a contact ("name") or a group ("group"), not both' };
const isOneTarget = (p: { name?: string | undefined; group?: string | undefined }): boolean => (p.name === undefined) !== (p.group === undefined);
const conv = (p: { name?: string | undefined; group?: string | undefined }) => ({ contactName: p.name ?? '', groupName: p.group });

/** A method that runs one conversation command; `many` methods return every line, the others their one object. */
function command<P extends z.ZodType>(params: P, toCommand: (p: z.infer<P>) => ConversationCommand, many = false) {
  return rpcMethod<DaemonContext, P>(params, async ({ messenger }, p) => {
    const cmd = toCommand(p);
    // A group's send and history go through the group commands, as `parley send --group` and `history --group` do.
    const group = (cmd.name === 'send' || cmd.name === 'history') && cmd.groupName !== undefined;
    const lines = (group ? await runGroupCommand(messenger, cmd) : await runConversationCommand(messenger, cmd)).map((o) => o.json);
    return many ? lines : lines[0];
  });
}

/** The conversation methods, by name (spread into the daemon's table). */
export const CONVERSATION_METHODS: RpcTable<DaemonContext> = {
  send: command(
    z.union([
      z.strictObject({ name, text, replyTo: id.optional() }),
      z.strictObject({ name, file: z.string().min(1) }),
      z.strictObject({ group: name, text }),
      z.strictObject({ group: name, file: z.string().min(1) }),
    ]),
    (p) => ({
      name: 'send',
      contactName: 'name' in p ? p.name : '',
      groupName: 'group' in p ? p.group : undefined,
      text: 'text' in p ? p.text : null,
      file: 'file' in p ? p.file : null,
      replyTo: 'replyTo' in p ? (p.replyTo ?? null) : null,
    }),
  ),

  edit: command(z.strictObject({ ...target, id, text }).refine(isOneTarget, oneTarget), (p) => ({ name: 'edit', ...conv(p), id: p.id, text: p.text })),

  delete: command(z.strictObject({ ...target, id, forEveryone: z.boolean().default(false) }).refine(isOneTarget, oneTarget), (p) => ({ name: 'delete', ...conv(p), id: p.id, forEveryone: p.forEveryone })),

  react: command(
    z.union([
      z.strictObject({ ...target, id, emoji: z.string().min(1).max(REACTION_MAX_CHARS) }).refine(isOneTarget, oneTarget),
      z.strictObject({ ...target, id, remove: z.literal(true) }).refine(isOneTarget, oneTarget),
    ]),
    (p) => ({ name: 'react', ...conv(p), id: p.id, emoji: 'emoji' in p ? p.emoji : null }),
  ),

  read: command(z.strictObject(target).refine(isOneTarget, oneTarget), (p) => ({ name: 'read', ...conv(p) })),

  timer: command(
    z.strictObject({ ...target, seconds: z.union([z.number().int().min(1).max(MAX_DISAPPEARING_TIMER_S), z.literal('off'), z.null()]) }).refine(isOneTarget, oneTarget),
    (p) => ({ name: 'timer', ...conv(p), seconds: typeof p.seconds === 'number' ? p.seconds : null }),
  ),

  history: command(
    z.union([
      z.strictObject({ name, limit: z.number().int().min(1).max(STORE_MAX_PAGE_SIZE).default(50) }),
      z.strictObject({ group: name, limit: z.number().int().min(1).max(STORE_MAX_PAGE_SIZE).default(50) }),
    ]),
    (p) => ({ name: 'history', contactName: 'name' in p ? p.name : '', groupName: 'group' in p ? p.group : undefined, limit: p.limit }),
    true,
  ),

  export: command(
    z
      .strictObject({
        name: name.optional(),
        group: name.optional(),
        all: z.literal(true).optional(),
        format: z.enum(['json', 'html']),
        out: z.string().min(1),
        yes: z.literal(true, { error: 'export writes plaintext files: pass "yes": true to confirm' }),
      })
      .refine((p) => [p.name, p.group, p.all].filter((x) => x !== undefined).length === 1, { error: 'name one conversation ("name" or "group"), or pass "all": true' }),
    (p) => ({ name: 'export', contactName: p.name ?? null, groupName: p.group, format: p.format, out: p.out, yes: true }),
  ),
};
