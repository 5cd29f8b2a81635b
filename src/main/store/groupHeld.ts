/**
 * Group content that arrived before the group state that allows it: a
 * group message or sender key for a group this device does not know yet,
 * or from a device whose account is not a member yet (the update that
 * creates the group or adds them is late: repaired after a failed decrypt,
 * waiting on the sender's side for a device list, or reordered by a hostile
 * relay). The receive path keeps it here instead of dropping it and runs it
 * again when an update for the group is adopted (groups/held.ts). Bounded
 * per sender device, in all and by age (GROUP_HELD_*); what goes unclaimed
 * is audited when it is dropped.
 */
import { GROUP_HELD_MAX_ROWS, GROUP_HELD_PER_SENDER, GROUP_HELD_TTL_MS } from '../../shared/constants';
import { prep, type SqliteDatabase } from './database';

/** One kept content: the group it names, the sender device (accountId.deviceId) and the encoded 1:1 content as received. */
export interface HeldGroupContent {
  readonly id: number;
  readonly groupId: string;
  readonly sender: string;
  readonly content: Uint8Array;
  readonly receivedAt: number;
}

interface Row { id: number; group_id: string; sender: string; content: Uint8Array; received_at: number }

/** The held group content table (schema 16). */
export class GroupHeldRepo {
  constructor(private readonly db: SqliteDatabase, private readonly clock: () => number = Date.now) {}

  /**
   * Keeps `content` (call inside the receive transaction); `receivedAt` keeps
   * the first arrival's time when content is held again. Returns how many
   * older rows went to keep the bounds (the caller audits them).
   */
  hold(groupId: string, sender: string, content: Uint8Array, receivedAt = this.clock()): number {
    prep(this.db, 'INSERT INTO group_held (group_id, sender, content, received_at) VALUES (?, ?, ?, ?)').run(groupId, sender, content, receivedAt);
    let dropped = prep(this.db, 'DELETE FROM group_held WHERE sender = ? AND id NOT IN (SELECT id FROM group_held WHERE sender = ? ORDER BY id DESC LIMIT ?)')
      .run(sender, sender, GROUP_HELD_PER_SENDER).changes;
    dropped += prep(this.db, 'DELETE FROM group_held WHERE id <= (SELECT id FROM group_held ORDER BY id DESC LIMIT 1 OFFSET ?)').run(GROUP_HELD_MAX_ROWS).changes;
    return dropped;
  }

  /** Removes and returns what is held for `groupId`, in arrival order (call inside the transaction that runs it again). */
  take(groupId: string): HeldGroupContent[] {
    const rows = prep(this.db, 'DELETE FROM group_held WHERE group_id = ? RETURNING id, group_id, sender, content, received_at').all(groupId) as Row[];
    return rows.sort((a, b) => a.id - b.id).map((r) => ({ id: r.id, groupId: r.group_id, sender: r.sender, content: new Uint8Array(r.content), receivedAt: r.received_at }));
  }

  /** True when anything is held for `groupId` (cheap: an index). */
  has(groupId: string): boolean {
    return prep(this.db, 'SELECT 1 FROM group_held WHERE group_id = ? LIMIT 1').get(groupId) !== undefined;
  }

  /** Drops rows past GROUP_HELD_TTL_MS; returns them grouped by sender device, for the audit log. */
  prune(now = this.clock()): Map<string, number> {
    const rows = prep(this.db, 'DELETE FROM group_held WHERE received_at < ? RETURNING sender').pluck().all(now - GROUP_HELD_TTL_MS) as string[];
    const out = new Map<string, number>();
    for (const s of rows) out.set(s, (out.get(s) ?? 0) + 1);
    return out;
  }
}
