/**
 * The methods `parley daemon` answers: one entry per CLI command, named as
 * the command in camelCase (signal-cli's convention: `contact add` is
 * `contactAdd`, `--history-days` is `historyDays`), calling the same core
 * service methods the command calls and returning what the command prints
 * with --json (a list command returns the lines as an array). The
 * conversation methods (send, edit, delete, react, read, timer, history,
 * export) run the CLI's own command table (daemonConversation.ts). Adding a
 * method is adding one entry here. (No `version` method: importing version.ts here
 * would pull it into a chunk the `--version` entry then loads.)
 */
import { z } from 'zod';
import { AUDIT_LOG_MAX_ROWS, LINK_DEFAULT_HISTORY_DAYS, MAX_GROUP_MEMBERS, MAX_GROUP_NAME_CHARS, STORE_MAX_PAGE_SIZE } from '../shared/constants';
import type { Messenger } from '../main/messenger/messenger';
import { sessionHealth } from '../main/contacts/health';
import { contactJson, contactWarning, revokeAndSecure } from './warnings';
import { rpcMethod, type RpcTable } from './daemonRpc';
import { runGroupCommand } from './groupCommands';
import { CONVERSATION_METHODS } from './daemonConversation';

/** What every method runs against: the one unlocked profile of the daemon. */
export interface DaemonContext {
  readonly messenger: Messenger;
}

const m = <P extends z.ZodType>(params: P, run: (ctx: DaemonContext, p: z.infer<P>) => unknown) => rpcMethod<DaemonContext, P>(params, run);
const none = z.strictObject({});
const contactName = z.string().min(1);
const groupName = z.string().min(1).max(MAX_GROUP_NAME_CHARS + 43);
const limit = (max: number) => z.number().int().min(1).max(max).default(50);
const key43 = z.string().regex(/^[A-Za-z0-9_-]{43}$/u, 'expected 43 characters of base64url');


/** The method table (see the file comment). */
export const DAEMON_METHODS: RpcTable<DaemonContext> = {
  ...CONVERSATION_METHODS,

  invite: m(none, ({ messenger }) => ({ invite: messenger.account.invite() })),

  contactAdd: m(z.strictObject({ code: z.string().min(1), name: contactName }), async ({ messenger }, p) => {
    const c = await messenger.contacts.add(p.code, p.name);
    return { contact: contactJson(c) };
  }),

  contacts: m(none, ({ messenger }) => messenger.contacts.list().map(contactJson)),

  safetyNumber: m(z.strictObject({ name: contactName }), ({ messenger }, p) => {
    const c = messenger.contacts.byName(p.name);
    return { name: c.name, safetyNumber: messenger.contacts.safetyNumber(c.accountId).groups.join(' '), verified: c.trust === 'verified' };
  }),

  verify: m(z.strictObject({ name: contactName }), ({ messenger }, p) => {
    const c = messenger.contacts.setVerified(messenger.contacts.byName(p.name).accountId, true);
    return { name: c.name, trust: c.trust };
  }),

  groupCreate: m(z.strictObject({ name: groupName, members: z.array(contactName).min(1).max(MAX_GROUP_MEMBERS) }), async ({ messenger }, p) =>
    (await runGroupCommand(messenger, { name: 'group-create', groupName: p.name, members: p.members }))[0]!.json),

  groups: m(none, async ({ messenger }) => (await runGroupCommand(messenger, { name: 'groups' })).map((o) => o.json)),

  groupAdd: m(z.strictObject({ group: groupName, contact: contactName }), async ({ messenger }, p) =>
    (await runGroupCommand(messenger, { name: 'group-add', groupName: p.group, contactName: p.contact }))[0]!.json),

  groupRemove: m(z.strictObject({ group: groupName, member: contactName }), async ({ messenger }, p) =>
    (await runGroupCommand(messenger, { name: 'group-remove', groupName: p.group, memberName: p.member }))[0]!.json),

  groupLeave: m(z.strictObject({ group: groupName }), async ({ messenger }, p) =>
    (await runGroupCommand(messenger, { name: 'group-leave', groupName: p.group }))[0]!.json),

  groupHistory: m(z.strictObject({ group: groupName, limit: limit(STORE_MAX_PAGE_SIZE) }), async ({ messenger }, p) =>
    (await runGroupCommand(messenger, { name: 'history', contactName: '', groupName: p.group, limit: p.limit })).map((o) => o.json)),

  search: m(z.strictObject({ text: z.string().min(1) }), ({ messenger }, p) => {
    const names = new Map(messenger.contacts.list().map((c) => [c.accountId, c.name]));
    return messenger.conversations.search(p.text).map((msg) => {
      const conversation = names.get(msg.conversationId) ?? msg.conversationId;
      return { id: msg.id, conversation, from: msg.direction === 'out' ? 'me' : conversation, text: msg.body, sentAt: msg.sentAt };
    });
  }),

  linkAccept: m(
    z.strictObject({ link: z.string().min(1), historyDays: z.union([z.number().int().min(1).max(36_500), z.null()]).default(LINK_DEFAULT_HISTORY_DAYS) }),
    async ({ messenger }, p) => {
      const { deviceName } = messenger.devices.inspectLink(p.link);
      const linked = await messenger.devices.acceptLink(p.link, p.historyDays);
      return { linked: { deviceId: linked.deviceId, name: deviceName } };
    },
  ),

  devices: m(none, ({ messenger }) =>
    messenger.devices.list().map((d) => ({ id: d.deviceId, name: d.name, linkedAt: d.linkedAt, lastSeenAt: d.lastSeenAt, thisDevice: d.isThisDevice })),
  ),

  /** `secure: true`: "Remove and secure" (docs/protocol.md §6.8); the new recovery phrase comes back once, to write down. */
  revoke: m(z.strictObject({ deviceId: key43, secure: z.boolean().optional() }), ({ messenger }, p) => revokeAndSecure(messenger, p.deviceId, p.secure ?? false)),

  backup: m(none, async ({ messenger }) => ({ backedUpAt: (await messenger.backup.now()).lastBackupAt })),

  audit: m(z.strictObject({ limit: limit(AUDIT_LOG_MAX_ROWS) }), ({ messenger }, p) =>
    messenger.store.audit.list(p.limit).map((e) => ({ id: e.id, at: e.at, kind: e.kind, detail: e.detail })),
  ),

  health: m(z.strictObject({ name: contactName }), ({ messenger }, p) => {
    const c = messenger.contacts.byName(p.name);
    const w = contactWarning(c);
    return [...(w ? [{ name: c.name, warning: w.code }] : []), ...sessionHealth(messenger.store, c.accountId).map((d) => ({ name: c.name, ...d }))];
  }),

  relay: m(none, async ({ messenger }) => ({ relay: messenger.relayUrl, relayKey: messenger.relayKeyPin(), online: await messenger.waitOnline(0) })),

  relayTrust: m(z.strictObject({ relayKey: key43 }), async ({ messenger }, p) => {
    messenger.acceptRelayKey(p.relayKey);
    return { relay: messenger.relayUrl, relayKey: p.relayKey, online: await messenger.waitOnline() };
  }),
};
