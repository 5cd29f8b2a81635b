/**
 * v20 (issue 15, stop 31): message changes are appended to a log instead of
 * kept as one row per message id. Until v19 each write to a message or its
 * reactions bumped the change counter and upserted (message id → seq) in
 * message_changes, a table keyed by id with a second index by seq: a new
 * message cost two B-tree inserts, and a change to an existing one (a sent
 * text turning 'sent', then 'delivered', then 'read') a lookup, an update
 * and a delete plus an insert in the seq index, each a page of its own.
 * Now each write appends (seq, message id) to message_change_log, keyed by
 * (seq, message id) in one B-tree whose new rows always land on its last
 * page. The counter is bumped exactly as before, so cursors (a backup's
 * confirmed seq) keep their meaning.
 *
 * What readers see (snapshot/changes.ts): an id changed several times in a
 * range has several entries; a run of exportChanges reports it once, at its
 * first entry, with its current value (the current value is all any run
 * ever reported). An id changed again after a run's upper bound is now
 * reported by that run too (it has an entry inside the range) and again by
 * the next: importing is idempotent, so that costs bytes, never
 * correctness. Pruning (a confirmed backup) deletes whole entries at or
 * below a seq, a range at the head of the B-tree.
 *
 * The migration copies message_changes' rows as entries (their seqs are
 * distinct: each was a fresh bump), so nothing changed before the upgrade
 * and not yet backed up is missed.
 */
const bump = 'UPDATE change_counter SET seq = seq + 1 WHERE id = 1;';
const log = (ref: string): string => `${bump}
  INSERT INTO message_change_log (seq, message_id) VALUES ((SELECT seq FROM change_counter WHERE id = 1), ${ref});`;

const TRACKED = [['messages', 'id'], ['reactions', 'message_id']] as const;
const EVENTS = ['INSERT', 'UPDATE', 'DELETE'] as const;

/** The six change-tracking triggers (v4 and v20), each running `stamp` on the written message's id. */
export const messageChangeTriggers = (stamp: (ref: string) => string): string =>
  TRACKED.flatMap(([table, column]) => EVENTS.map((e) =>
    `CREATE TRIGGER ${table}_change_${e.toLowerCase()} AFTER ${e} ON ${table} BEGIN ${stamp(`${e === 'DELETE' ? 'old' : 'new'}.${column}`)} END;`)).join('\n');

/** v20: the change log (see the file comment). */
export const V20 = `
CREATE TABLE message_change_log (
  seq INTEGER NOT NULL,
  message_id TEXT NOT NULL,
  PRIMARY KEY (seq, message_id)
) WITHOUT ROWID;
INSERT INTO message_change_log (seq, message_id) SELECT seq, message_id FROM message_changes ORDER BY seq, message_id;
${TRACKED.flatMap(([table]) => EVENTS.map((e) => `DROP TRIGGER ${table}_change_${e.toLowerCase()};`)).join('\n')}
DROP TABLE message_changes;
${messageChangeTriggers(log)}
`;
