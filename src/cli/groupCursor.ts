/**
 * Membership events for `parley receive` and the daemon, from a persisted
 * position per group: the height and hash of the last version of its
 * winning chain that was reported (setting `cli.groupCursor`, beside the
 * `cli.receiveCursor` of the other lines). What is reported next is what
 * the chain holds after that version (`GroupService.eventsAfter`); when a
 * fork winner that came late put that version on a losing branch, the
 * winning branch's events above the fork point are reported, once. So a
 * change applied while nobody listened (the daemon stopped, no client
 * connected) reaches the next listener once, in chain order.
 *
 * Where there is no position yet: a profile with no receive cursor either
 * (no line was ever reported) gets every group's events, as its messages;
 * a receive cursor from before group positions were kept (the daemon then
 * reported membership changes only while it ran) starts at every group's
 * current head, recorded at once, so an upgrade does not replay a
 * profile's whole group history. A group that has no position (learned
 * since) reports all its events, its creation first.
 */
import type { Messenger } from '../main/messenger/messenger';
import type { GroupEvent as TimelineEvent } from '../main/groups/timeline';
import type { GroupEvent } from './inbox';

/** The settings key under which the position per group is kept (beside cli.receiveCursor). */
export const GROUP_CURSOR_SETTING = 'cli.groupCursor';

/** Per group id: the last version reported, as [height, hash]. */
type Heads = Record<string, readonly [number, string]>;

/** The notification action of each kind of change (admin and timer changes are not notified: they move the position all the same). */
const ACTIONS: Partial<Record<string, GroupEvent['action']>> = { create: 'created', rename: 'renamed', add: 'membersAdded', remove: 'membersRemoved', leave: 'left' };

const warn = (warning: string, message: string): void => {
  process.stderr.write(`${JSON.stringify({ warning, message })}\n`);
};

/** Reads membership events not reported yet and remembers the position reported (see the file comment). */
export class GroupCursor {
  #heads: Heads;
  /** `versionsMark` when the heads were last brought up to date: no version stored since, nothing to look at. */
  #mark: string | null = null;
  #dirty = false;

  /**
   * @param messenger the profile
   * @param receiveCursor whether the profile has a receive cursor (lines were reported before)
   */
  constructor(private readonly messenger: Messenger, receiveCursor: boolean) {
    const raw = messenger.store.directory.setting(GROUP_CURSOR_SETTING);
    if (raw === null) {
      this.#heads = {};
      if (receiveCursor) {
        // A cursor from before positions were kept: start at today's heads, recorded now, so a restart before the first line does not move it.
        for (const g of messenger.groups.list()) {
          const last = messenger.groups.events(g.id).at(-1);
          if (last) this.#heads[g.id] = [last.height, last.hash];
        }
        this.#dirty = true;
        this.commit();
      }
      return;
    }
    this.#heads = parseHeads(raw) ?? {};
  }

  /** Membership events stored after each group's position, as group lines, each group in chain order; advances the positions (in memory until `commit`). */
  next(): GroupEvent[] {
    const groups = this.messenger.store.groups;
    const mark = groups.versionsMark();
    if (mark === this.#mark) return [];
    const lines: GroupEvent[] = [];
    // A group that stops showing keeps its position: should it show again, what was reported is not reported again.
    const heads: Heads = { ...this.#heads };
    for (const g of this.messenger.groups.list()) {
      const last = this.#heads[g.id];
      const events = this.#after(g.id, last);
      const head = events.at(-1);
      if (head) {
        heads[g.id] = [head.height, head.hash];
        this.#dirty = true;
      }
      for (const e of events) {
        const action = ACTIONS[e.change];
        // `at`: when this device adopted the version (at least the previous event's); a version from before adoption times were kept has 0.
        if (action) lines.push({ type: 'group', group: { id: g.id, name: g.name }, action, from: e.author, members: e.members, at: e.at || Date.now(), ...(e.key === null ? {} : { key: e.key }) });
      }
    }
    this.#heads = heads;
    this.#mark = mark;
    return lines;
  }

  /** Persists the positions `next` moved. */
  commit(): void {
    if (!this.#dirty) return;
    this.messenger.store.directory.setSetting(GROUP_CURSOR_SETTING, JSON.stringify({ heads: this.#heads }));
    this.#dirty = false;
  }

  /** The group's events after its position; a position whose version is not stored is said on stderr and reported from its height. */
  #after(groupId: string, last: readonly [number, string] | undefined): readonly TimelineEvent[] {
    if (last === undefined) return this.messenger.groups.eventsAfter(groupId, null) ?? [];
    const events = this.messenger.groups.eventsAfter(groupId, last[1]);
    if (events !== null) return events;
    warn('CLI_GROUP_POSITION_UNKNOWN', `The last reported change of group ${groupId} is not stored; reporting its changes above height ${last[0]}.`);
    return this.messenger.groups.events(groupId).filter((e) => e.height > last[0]);
  }
}

/** The stored positions, or null (said on stderr) when unreadable. */
function parseHeads(raw: string): Heads | null {
  try {
    const v = JSON.parse(raw) as { heads?: unknown };
    const heads = v.heads;
    if (heads && typeof heads === 'object' && Object.values(heads).every((h) => Array.isArray(h) && h.length === 2 && Number.isSafeInteger(h[0]) && typeof h[1] === 'string')) return heads as Heads;
  } catch {
    // unreadable: said just below
  }
  // A damaged position would silently re-report (or skip) events: say so, then start over from every group's first event, as the receive cursor does.
  warn('CLI_GROUP_CURSOR_RESET', 'The group event positions were unreadable; reporting every group change again.');
  return null;
}
