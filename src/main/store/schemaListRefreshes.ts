/**
 * v17 (stop 26): device-list refreshes owed after a receive commit
 * (store/listRefreshes.ts, conversations/owedRefreshes.ts). A contact's
 * `devicesChanged`, or list heads showing we are behind, is noted in the
 * transaction that commits the envelope, so a crash before the refresh
 * after the commit does not lose it. No foreign key: the account may be our
 * own or a group member who is not a contact. Not in backups: it is work in
 * flight, and a restored profile fetches every list it needs anyway.
 */
export const V17 = `
CREATE TABLE owed_list_refreshes (
  account_id TEXT PRIMARY KEY,           -- the account whose signed device list is to be fetched again
  noted_at INTEGER NOT NULL,             -- when it was first noted (kept when noted again)
  notes INTEGER NOT NULL DEFAULT 1,      -- times noted: a refresh begun before a later note does not clear it
  attempts INTEGER NOT NULL DEFAULT 0,   -- failed refreshes since the last note (the back-off doubles per failure)
  next_try_at INTEGER NOT NULL DEFAULT 0 -- not tried again before this time (0: at once)
);
CREATE INDEX owed_list_refreshes_due ON owed_list_refreshes(next_try_at);
`;

/**
 * v18 (stop 27): the list version a peer's heads claimed when they noted a
 * refresh (§6.7). A fetch that brings an older list than that is the relay
 * withholding the list the peer verified: the note stays (the contact
 * flagged list-withheld, §6.7, and the refresh backed off) instead of being
 * cleared, also across a restart.
 */
export const V18 = `
ALTER TABLE owed_list_refreshes ADD COLUMN claimed_version INTEGER NOT NULL DEFAULT 0; -- the highest version heads claimed (0: a change announced, no version claimed)
`;
