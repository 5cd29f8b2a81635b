/**
 * v16 (issue 15, stop 25): group content that arrived before the state that
 * allows it is kept, not dropped (store/groupHeld.ts, groups/held.ts). No
 * foreign key to `groups`: the group may not exist here yet. Not in
 * backups: it is in flight, and its sender's resend log covers it.
 */
export const V16 = `
CREATE TABLE group_held (
  id INTEGER PRIMARY KEY,
  group_id TEXT NOT NULL,                -- the group the content names (maybe unknown here yet)
  sender TEXT NOT NULL,                  -- accountId.deviceId, as the sealed sender proved it
  content BLOB NOT NULL,                 -- the encoded 1:1 content (a sender-key message stays encrypted under its chain)
  received_at INTEGER NOT NULL
);
CREATE INDEX group_held_group ON group_held(group_id, id);
CREATE INDEX group_held_sender ON group_held(sender, id);
CREATE INDEX group_held_received ON group_held(received_at);
`;
