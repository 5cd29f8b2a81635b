/**
 * v14 (issue 14, wt-gmore): timeline events get a time, and a member's
 * safety-number change shows in the group.
 *
 * - `group_state_versions.adopted_at`: when this device stored the version
 *   (signed versions carry no time, docs/protocol.md §8.2), so "Ada added
 *   Bob" sits among the messages where it happened, also after a restart.
 *   Rows from before v14 get the time their group's conversation row was
 *   made on this device (else the group row's last change): the earliest
 *   time the device is known to have held the group, so an old event never
 *   shows after a message it preceded (they show at the group's start, as
 *   before v14).
 * - `group_key_changes`: a member who is not a contact sent a valid signed
 *   account key change (protocol §6.6, §8.7); one row per group the two
 *   share, with the time it arrived, shown as a timeline line and a mark
 *   on the member until an admin adds the new key or removes the old one.
 *   Its writes bump the backup change counter (as v4's state triggers do),
 *   since snapshots carry the rows; the backfill above bumps it once too.
 */
export const V14 = `
ALTER TABLE group_state_versions ADD COLUMN adopted_at INTEGER NOT NULL DEFAULT 0; -- ms: when this device stored it (local, never sent)
UPDATE group_state_versions SET adopted_at = coalesce(
  (SELECT created_at FROM conversations WHERE id = group_state_versions.group_id),
  (SELECT updated_at FROM groups WHERE id = group_state_versions.group_id), 0);
CREATE TABLE group_key_changes (
  group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
  account_id TEXT NOT NULL,              -- the member as the signed member list names them (the old account key)
  new_account_id TEXT NOT NULL,          -- the new account key the old one signed over
  at INTEGER NOT NULL,                   -- when this device accepted the change
  PRIMARY KEY (group_id, account_id, new_account_id)
) WITHOUT ROWID;
CREATE TRIGGER group_key_changes_change_insert AFTER INSERT ON group_key_changes BEGIN UPDATE change_counter SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER group_key_changes_change_delete AFTER DELETE ON group_key_changes BEGIN UPDATE change_counter SET seq = seq + 1 WHERE id = 1; END;
`;
