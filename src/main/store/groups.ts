/**
 * Group rows (schema v10): groups, their signed state versions, current
 * members, sender-key records (sealed), to whom this device gave its
 * current chain, and group messages waiting for a sender key. The store
 * keeps versions and records as opaque JSON and bytes; src/main/groups
 * parses and checks them.
 */
import { GROUP_READ_CACHE_GROUPS, MAX_GROUP_PENDING, STORE_MAX_PAGE_SIZE } from '../../shared/constants';
import { StoreError } from './errors';
import { prep, type SqliteDatabase } from './database';
import type { Sealer } from './seal';
import { TableWatch, WatchedCache } from './tableWatch';

/** Whether this account is in the group, was removed, or left. */
export type GroupStatus = 'member' | 'removed' | 'left';

/** One group row. */
export interface GroupRow {
  readonly id: string;
  readonly genesis: string;
  readonly masterKey: Uint8Array | null;
  readonly status: GroupStatus;
  /** Our sender chain must be replaced before our next group message. */
  readonly rotate: boolean;
}

/** One member of a group's current state, with the name they chose when known. */
export interface GroupMemberRow {
  readonly accountId: string;
  readonly role: 'admin' | 'member';
  readonly name: string;
  readonly displayName: string | null;
  readonly devices: readonly string[];
}

/** A group message's upload not yet taken by the relay (schema v12). */
export interface GroupUpload {
  readonly id: number;
  readonly groupId: string;
  readonly messageId: string | null;
  readonly recipients: readonly string[];
  readonly payload: Uint8Array;
}

/** A member's signed account key change, as this device accepted it (schema v14). */
export interface GroupKeyChange {
  readonly accountId: string;
  readonly newAccountId: string;
  readonly at: number;
}

/** One member's devices as a group send reads them (GroupRepo.memberDeviceIds). */
export interface MemberDevices {
  readonly accountId: string;
  readonly devices: readonly string[];
  /** A contact (devices from their list), or not (devices as last verified for the group). */
  readonly contact: boolean;
}

/** A group message that waits for its sender key. */
export interface PendingGroupMessage {
  readonly id: number;
  readonly sender: string;
  readonly placeholder: string;
  readonly message: Uint8Array;
}

const senderKey = (groupId: string, address: string): string => `${groupId}.${address}`;

/** The group tables (see the file comment). */
export class GroupRepo {
  // The two reads every group send repeats, cached until a table they read changes (tableWatch.ts).
  readonly #memberDevices: WatchedCache<string, readonly MemberDevices[]>;
  readonly #given: WatchedCache<string, ReadonlyMap<string, number>>;
  readonly #watch: TableWatch;

  constructor(private readonly db: SqliteDatabase, private readonly sealer: Sealer) {
    const watch = TableWatch.of(db, ['group_members', 'contacts', 'contact_devices', 'group_key_given', 'group_state_versions']);
    this.#watch = watch;
    this.#memberDevices = new WatchedCache(db, watch, ['group_members', 'contacts', 'contact_devices'], GROUP_READ_CACHE_GROUPS);
    this.#given = new WatchedCache(db, watch, ['group_key_given'], GROUP_READ_CACHE_GROUPS);
  }

  /** Creates or updates a group row. */
  put(g: GroupRow, now: number): void {
    prep(this.db, `INSERT INTO groups (id, genesis, master_key, status, rotate, updated_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET master_key = excluded.master_key, status = excluded.status, rotate = excluded.rotate, updated_at = excluded.updated_at`)
      .run(g.id, g.genesis, g.masterKey ? this.sealer.seal('groups', g.id, g.masterKey) : null, g.status, g.rotate ? 1 : 0, now);
  }

  /** One group, or null. */
  get(id: string): GroupRow | null {
    const r = prep(this.db, 'SELECT id, genesis, master_key, status, rotate FROM groups WHERE id = ?').get(id) as { id: string; genesis: string; master_key: Uint8Array | null; status: GroupStatus; rotate: number } | undefined;
    if (!r) return null;
    return { id: r.id, genesis: r.genesis, masterKey: r.master_key ? this.sealer.open('groups', r.id, r.master_key) : null, status: r.status, rotate: r.rotate === 1 };
  }

  /** Every group id, oldest first. */
  ids(): string[] {
    return prep(this.db, 'SELECT id FROM groups ORDER BY rowid').pluck().all() as string[];
  }

  /** Marks (or clears) that our sender chain must be replaced. */
  setRotate(id: string, rotate: boolean): void {
    prep(this.db, 'UPDATE groups SET rotate = ? WHERE id = ?').run(rotate ? 1 : 0, id);
  }

  /** Stores a signed version (JSON) once, with when this device adopted it (schema v14); returns false when it was known. */
  addVersion(groupId: string, hash: string, height: number, json: string, adoptedAt: number): boolean {
    return prep(this.db, 'INSERT OR IGNORE INTO group_state_versions (group_id, hash, height, version, adopted_at) VALUES (?, ?, ?, ?, ?)').run(groupId, hash, height, json, adoptedAt).changes === 1;
  }

  /** Version hash → when this device adopted it (a local time, never sent). */
  adoptedTimes(groupId: string): Map<string, number> {
    return new Map(prep(this.db, 'SELECT hash, adopted_at FROM group_state_versions WHERE group_id = ?').raw().all(groupId) as [string, number][]);
  }

  /** A value that changes whenever a version is stored or dropped (by any code path, or another connection's commit): a reader of every group's events skips the pass while it stays. */
  versionsMark(): string {
    return `${this.#watch.version(['group_state_versions'])}.${this.#watch.others()}`;
  }

  /** Every version held for a group, by height. */
  versions(groupId: string): string[] {
    return prep(this.db, 'SELECT version FROM group_state_versions WHERE group_id = ? ORDER BY height, hash').pluck().all(groupId) as string[];
  }

  /** Every version held for a group with its hash and height (for snapshots). */
  versionRows(groupId: string): { hash: string; height: number; json: string; adoptedAt: number }[] {
    return prep(this.db, 'SELECT hash, height, version AS json, adopted_at AS adoptedAt FROM group_state_versions WHERE group_id = ? ORDER BY height, hash').all(groupId) as { hash: string; height: number; json: string; adoptedAt: number }[];
  }

  /** Records a member's signed account key change in a group (schema v14) once; returns false when it was known. */
  addKeyChange(groupId: string, accountId: string, newAccountId: string, at: number): boolean {
    return prep(this.db, 'INSERT OR IGNORE INTO group_key_changes (group_id, account_id, new_account_id, at) VALUES (?, ?, ?, ?)').run(groupId, accountId, newAccountId, at).changes === 1;
  }

  /** The key changes of a group's members, oldest first. */
  keyChanges(groupId: string): GroupKeyChange[] {
    return prep(this.db, 'SELECT account_id AS accountId, new_account_id AS newAccountId, at FROM group_key_changes WHERE group_id = ? ORDER BY at, account_id').all(groupId) as GroupKeyChange[];
  }

  /**
   * Key changes of every group accepted at or after `at` (ms), oldest first,
   * at most `limit`: `parley receive` reads them from its cursor (the time
   * and the rows printed at that exact time, as it reads messages).
   */
  keyChangesSince(at: number, limit: number): (GroupKeyChange & { readonly groupId: string })[] {
    if (!Number.isInteger(limit) || limit < 1 || limit > STORE_MAX_PAGE_SIZE) throw new StoreError('STORE_BAD_INPUT', `A page holds 1 to ${STORE_MAX_PAGE_SIZE} rows.`);
    return prep(this.db, `SELECT group_id AS groupId, account_id AS accountId, new_account_id AS newAccountId, at FROM group_key_changes
      WHERE at >= ? ORDER BY at, group_id, account_id, new_account_id LIMIT ?`).all(at, limit) as (GroupKeyChange & { groupId: string })[];
  }

  /** The groups this device is a member of that list `accountId` (for a member's key change). */
  groupsWithMember(accountId: string): string[] {
    return prep(this.db, `SELECT gm.group_id FROM group_members gm JOIN groups g ON g.id = gm.group_id WHERE gm.account_id = ? AND g.status = 'member' ORDER BY g.rowid`).pluck().all(accountId) as string[];
  }

  /** Replaces the member rows with the current state's, keeping display names and devices already learned. */
  setMembers(groupId: string, members: readonly { accountId: string; role: 'admin' | 'member'; name: string }[]): void {
    const keep = new Map(this.members(groupId).map((m) => [m.accountId, m]));
    prep(this.db, 'DELETE FROM group_members WHERE group_id = ?').run(groupId);
    const ins = prep(this.db, 'INSERT INTO group_members (group_id, account_id, role, name, display_name, devices, position) VALUES (?, ?, ?, ?, ?, ?, ?)');
    members.forEach((m, i) => {
      const old = keep.get(m.accountId);
      ins.run(groupId, m.accountId, m.role, m.name, old?.displayName ?? null, JSON.stringify(old?.devices ?? []), i);
    });
  }

  /** The current members, in state order. */
  members(groupId: string): GroupMemberRow[] {
    return (prep(this.db, 'SELECT account_id, role, name, display_name, devices FROM group_members WHERE group_id = ? ORDER BY position').all(groupId) as
      { account_id: string; role: 'admin' | 'member'; name: string; display_name: string | null; devices: string }[])
      .map((r) => ({ accountId: r.account_id, role: r.role, name: r.name, displayName: r.display_name, devices: JSON.parse(r.devices) as string[] }));
  }

  /**
   * Every member's devices in one query (a group send to a thousand members
   * asks for them each time): a contact's devices from contact_devices, in
   * device order, else the member row's verified list; in state order.
   */
  memberDeviceIds(groupId: string): readonly MemberDevices[] {
    return this.#memberDevices.get(groupId, () => this.#readMemberDevices(groupId));
  }

  #readMemberDevices(groupId: string): MemberDevices[] {
    const rows = prep(this.db, `SELECT gm.account_id, CASE WHEN c.account_id IS NULL THEN gm.devices END, cd.device_id, c.account_id IS NOT NULL
      FROM group_members gm LEFT JOIN contacts c ON c.account_id = gm.account_id LEFT JOIN contact_devices cd ON cd.account_id = c.account_id
      WHERE gm.group_id = ? ORDER BY gm.position, cd.device_id`).raw().all(groupId) as [string, string | null, string | null, number][];
    const out: { accountId: string; devices: string[]; contact: boolean }[] = [];
    let last: (typeof out)[number] | undefined;
    for (const [accountId, listed, device, contact] of rows) {
      if (last?.accountId !== accountId) {
        last = { accountId, devices: listed === null ? [] : (JSON.parse(listed) as string[]), contact: contact === 1 };
        out.push(last);
      }
      if (device !== null) last.devices.push(device);
    }
    return out;
  }

  /** (Both reads below come from memberDeviceIds' cached rows: every group send asks them.) Members who are contacts with no device on record (a contact synced from our other desktop before its list was fetched). */
  contactsWithoutDevices(groupId: string): string[] {
    return this.memberDeviceIds(groupId).filter((m) => m.contact && m.devices.length === 0).map((m) => m.accountId);
  }

  /** Members other than `self`, contacts or not, with no device on record (their list could not be fetched yet): what the group sends them waits for it. */
  membersWithoutDevices(groupId: string, self: string): string[] {
    return this.memberDeviceIds(groupId).filter((m) => m.accountId !== self && m.devices.length === 0).map((m) => m.accountId);
  }

  /** Members who are neither `self` nor a contact and have no verified devices on record (all such when `all`, devices or not). */
  strangersToLearn(groupId: string, self: string, all: boolean): string[] {
    return this.memberDeviceIds(groupId).filter((m) => !m.contact && m.accountId !== self && (all || m.devices.length === 0)).map((m) => m.accountId);
  }

  /** One member of the group's current state, or null (a key lookup: receipts and keys from a thousand members each ask). */
  member(groupId: string, accountId: string): GroupMemberRow | null {
    const r = prep(this.db, 'SELECT role, name, display_name, devices FROM group_members WHERE group_id = ? AND account_id = ?').get(groupId, accountId) as
      { role: 'admin' | 'member'; name: string; display_name: string | null; devices: string } | undefined;
    return r ? { accountId, role: r.role, name: r.name, displayName: r.display_name, devices: JSON.parse(r.devices) as string[] } : null;
  }

  /** Records the display name a member chose (from their distribution). */
  setDisplayName(groupId: string, accountId: string, name: string): void {
    prep(this.db, 'UPDATE group_members SET display_name = ? WHERE group_id = ? AND account_id = ?').run(name, groupId, accountId);
  }

  /** Records a member's device ids from their verified signed list. */
  setDevices(groupId: string, accountId: string, devices: readonly string[]): void {
    prep(this.db, 'UPDATE group_members SET devices = ? WHERE group_id = ? AND account_id = ?').run(JSON.stringify(devices), groupId, accountId);
  }

  /** Whether the account is in any group this device knows (as a member row). */
  hasMember(accountId: string): boolean {
    return prep(this.db, 'SELECT 1 FROM group_members WHERE account_id = ? LIMIT 1').get(accountId) !== undefined;
  }

  /** Device ids any group lists for an account that is not a contact (for the session layer's bundle check). */
  devicesOf(accountId: string): string[] {
    const lists = prep(this.db, 'SELECT devices FROM group_members WHERE account_id = ?').pluck().all(accountId) as string[];
    return [...new Set(lists.flatMap((l) => JSON.parse(l) as string[]))];
  }

  /** A sender-key record (own chain under our own address, or a peer device's), opened, or null. */
  senderKey(groupId: string, address: string): Uint8Array | null {
    const k = senderKey(groupId, address);
    const r = prep(this.db, 'SELECT record FROM group_sender_keys WHERE key = ?').pluck().get(k) as Uint8Array | undefined;
    return r ? this.sealer.open('group_sender_keys', k, r) : null;
  }

  /** Stores a sender-key record, sealed. */
  putSenderKey(groupId: string, address: string, record: Uint8Array): void {
    const k = senderKey(groupId, address);
    prep(this.db, 'INSERT INTO group_sender_keys (key, group_id, record) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET record = excluded.record')
      .run(k, groupId, this.sealer.seal('group_sender_keys', k, record));
  }

  /** Forgets a sender-key record. */
  dropSenderKey(groupId: string, address: string): void {
    prep(this.db, 'DELETE FROM group_sender_keys WHERE key = ?').run(senderKey(groupId, address));
  }

  /** To whom our chain `chainId` was given, with the first iteration each got. */
  given(groupId: string, chainId: number): ReadonlyMap<string, number> {
    // Rows as arrays, not objects, and cached until the table changes: a thousand-member group reads them at every send.
    return this.#given.get(`${groupId}#${chainId}`, () =>
      new Map(prep(this.db, 'SELECT address, iteration FROM group_key_given WHERE group_id = ? AND chain_id = ?').raw().all(groupId, chainId) as [string, number][]));
  }


  /** Records that `address` was given chain `chainId` from `iteration` (the first time only). */
  markGiven(groupId: string, address: string, chainId: number, iteration: number): void {
    prep(this.db, `INSERT INTO group_key_given (group_id, address, chain_id, iteration) VALUES (?, ?, ?, ?)
      ON CONFLICT(group_id, address) DO UPDATE SET chain_id = excluded.chain_id, iteration = excluded.iteration WHERE chain_id <> excluded.chain_id`)
      .run(groupId, address, chainId, iteration);
  }

  /**
   * Records a member's delivery or read receipt for one of our group
   * messages (read supersedes delivered); true when it changed what the
   * message's receipt counts show (a first receipt, or a first read).
   */
  noteReceipt(messageId: string, accountId: string, kind: 'delivered' | 'read', at: number): boolean {
    return prep(this.db, `INSERT INTO group_receipts (message_id, account_id, kind, at) VALUES (?, ?, ?, ?)
      ON CONFLICT(message_id, account_id) DO UPDATE SET kind = excluded.kind, at = excluded.at WHERE excluded.kind = 'read' AND kind <> 'read'`)
      .run(messageId, accountId, kind, at).changes > 0;
  }

  /** The members who confirmed one of our group messages (delivered or read). */
  receiptAccounts(messageId: string): Set<string> {
    return new Set(prep(this.db, 'SELECT account_id FROM group_receipts WHERE message_id = ?').pluck().all(messageId) as string[]);
  }

  /**
   * How many current members confirmed a message: delivered (read counts as
   * delivered too) and read. A member who left or was removed since is not
   * counted, as "of M" counts the current members ("delivered to 2 of 1" otherwise).
   */
  receiptCounts(messageId: string): { delivered: number; read: number } {
    const r = prep(this.db, `SELECT count(*) AS delivered, coalesce(sum(r.kind = 'read'), 0) AS read FROM group_receipts r
      JOIN messages m ON m.id = r.message_id JOIN group_members gm ON gm.group_id = m.conversation_id AND gm.account_id = r.account_id
      WHERE r.message_id = ?`).get(messageId) as { delivered: number; read: number };
    return { delivered: r.delivered, read: r.read };
  }

  /** Keeps a group message that waits for its sender key (the oldest beyond MAX_GROUP_PENDING go). */
  holdPending(groupId: string, sender: string, placeholder: string, message: Uint8Array, now: number): void {
    prep(this.db, 'INSERT INTO group_pending (group_id, sender, placeholder, message, received_at) VALUES (?, ?, ?, ?, ?)').run(groupId, sender, placeholder, message, now);
    prep(this.db, 'DELETE FROM group_pending WHERE group_id = ? AND id NOT IN (SELECT id FROM group_pending WHERE group_id = ? ORDER BY id DESC LIMIT ?)').run(groupId, groupId, MAX_GROUP_PENDING);
  }

  /** The messages from one sender device that wait for its key, oldest first. */
  pending(groupId: string, sender: string): PendingGroupMessage[] {
    return (prep(this.db, 'SELECT id, sender, placeholder, message FROM group_pending WHERE group_id = ? AND sender = ? ORDER BY id').all(groupId, sender) as
      { id: number; sender: string; placeholder: string; message: Uint8Array }[]).map((r) => ({ ...r, message: new Uint8Array(r.message) }));
  }

  /** Forgets a waiting message (it decrypted, or never will). */
  dropPending(id: number): void {
    prep(this.db, 'DELETE FROM group_pending WHERE id = ?').run(id);
  }

  /** Records a group upload before it leaves (call in the transaction that commits its message and chain step); returns its id. */
  queueUpload(groupId: string, messageId: string | null, recipients: readonly string[], payload: Uint8Array, now: number): number {
    return Number(prep(this.db, 'INSERT INTO group_uploads (group_id, message_id, recipients, payload, created_at) VALUES (?, ?, ?, ?, ?)').run(groupId, messageId, JSON.stringify(recipients), payload, now).lastInsertRowid);
  }

  /** Group uploads not yet taken by the relay, oldest first. */
  uploads(limit: number): GroupUpload[] {
    const rows = prep(this.db, 'SELECT id, group_id, message_id, recipients, payload FROM group_uploads ORDER BY id LIMIT ?').all(limit) as
      { id: number; group_id: string; message_id: string | null; recipients: string; payload: Uint8Array }[];
    return rows.map((r) => ({ id: r.id, groupId: r.group_id, messageId: r.message_id, recipients: JSON.parse(r.recipients) as string[], payload: new Uint8Array(r.payload) }));
  }

  /** The relay (or the pairwise outbox) took this upload. */
  clearUpload(id: number): void {
    prep(this.db, 'DELETE FROM group_uploads WHERE id = ?').run(id);
  }
}
