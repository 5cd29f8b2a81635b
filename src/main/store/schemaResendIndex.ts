/**
 * v15 (issue 15, stop 25): the resend log's lookup index follows the log's
 * order. `resend_log_digest ON (recipient, digest)` put each logged send at
 * a random place among its recipient's entries (the digest is a SHA-256),
 * so a burst's transaction dirtied one index page per message: one of the
 * three WAL pages a sent text cost (bench:app, BENCHMARKS.md stop 25).
 * `resend_log_recipient ON (recipient, id, digest)` takes a burst's rows at
 * the end of each recipient's range, on the pages the previous row dirtied,
 * and still answers every query by recipient without reading the table:
 * a retry request's digest is matched inside the index over that
 * recipient's entries (at most RESEND_LOG_MAX_ROWS, in practice the sends of
 * the last day to one device), and the per-recipient reads (takeRecipient,
 * loggedFor, forgetRecipient) get their rows in id order from it.
 */
export const V15 = `
DROP INDEX resend_log_digest;
CREATE INDEX resend_log_recipient ON resend_log(recipient, id, digest);
`;
