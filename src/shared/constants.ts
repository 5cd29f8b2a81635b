/**
 * Every named limit in Parley lives here, each with a one-line reason
 * (in the spirit of libsignal's consts.rs). Pure: no Node or DOM imports.
 * Sections are owned by layers; add new limits to the matching section.
 */

// ── IPC bridge ───────────────────────────────────────────────────────────────
/** Largest serialized IPC payload main accepts; a chat message plus metadata fits with room to spare. */
export const IPC_MAX_PAYLOAD_BYTES = 256 * 1024;
/** Deepest object nesting accepted over IPC; real payloads are shallow, deep ones are attacks. */
export const IPC_MAX_DEPTH = 16;

// ── Ratchet engine ───────────────────────────────────────────────────────────
/** Most message keys skipped in one receiving chain (Double Ratchet MAX_SKIP); bounds work an attacker can force per message. */
export const MAX_SKIP = 1000;
/** Most skipped message keys one session stores in total; bounds record size and trial work. */
export const MAX_SKIPPED_KEYS_TOTAL = 2000;
/** A skipped message key is erased this long after it was stored; late messages past it are lost by design (forward secrecy). */
export const SKIPPED_KEY_TTL_MS = 30 * 86_400_000;
/** Signed X25519 prekeys rotate this often, as in Signal. */
export const SIGNED_PREKEY_ROTATION_MS = 30 * 86_400_000;
/** A replaced signed prekey's private key is kept this long for initial messages still in flight, then erased. */
export const SIGNED_PREKEY_GRACE_MS = 7 * 86_400_000;
/** One-time X25519 (and ML-KEM) prekeys are generated in batches of this size. */
export const ONE_TIME_PREKEY_BATCH = 100;
/** A device uploads a new batch when the relay holds fewer one-time prekeys of a kind than this (Signal replenishes below 10; 25 leaves room for a day of new contacts). */
export const ONE_TIME_PREKEY_REPLENISH_BELOW = 25;
/** How often a device re-checks its prekey counts and rotation dates while online; the relay's push covers sudden drains in between. */
export const PREKEY_UPKEEP_INTERVAL_MS = 60 * 60_000;
/** Archived (superseded) session states kept per peer so late messages still decrypt, Sesame-style (libsignal keeps 40). */
export const MAX_ARCHIVED_SESSIONS = 40;
/** An archived session state is dropped this long after it was archived. */
export const ARCHIVED_SESSION_TTL_MS = 30 * 86_400_000;
/** Largest plaintext one ratchet message carries; a padded content object plus slack, far below the relay's envelope cap. */
export const MAX_RATCHET_PLAINTEXT_BYTES = 256 * 1024;
/** Bytes of randomness drawn from the OS per refill of the engine's pool; amortises the syscall over ~128 keys. */
export const RANDOM_POOL_BYTES = 4096;
/** Peer identity keys whose X25519 form is cached; the Ed25519→X25519 conversion costs a point decompression (~80 µs). */
export const IDENTITY_X25519_CACHE_SIZE = 1024;
/** Initial-message base keys remembered per peer (for a signed prekey's lifetime) so a replay cannot start a second session. */
export const MAX_SEEN_BASE_KEYS = 256;

// ── Local store ──────────────────────────────────────────────────────────────
/** Schema version the store migrates to; each step has its own numbered migration and test. */
export const STORE_SCHEMA_VERSION = 21;
/** Change-log entries (store v20) added since its last compaction that trigger the next one on the upkeep tick: ~4 a sent text, so a busy day's worth; compaction keeps one per message id. */
export const CHANGE_LOG_COMPACT_SLACK = 20_000;
/** Format version of sealed key records; bound into each record's AD so old formats cannot be replayed as new. */
export const STORE_SEAL_FORMAT_VERSION = 1;
/** Argon2id ops limit for the passphrase wrap (libsodium MODERATE): ~0.5-1 s unlock on a laptop, once per start. */
export const STORE_PWHASH_OPSLIMIT = 3;
/** Argon2id memory limit for the passphrase wrap (libsodium MODERATE, 256 MiB): makes GPU guessing costly. */
export const STORE_PWHASH_MEMLIMIT = 256 * 1024 * 1024;
/** Weakest Argon2id parameters a key file may declare; stops a tampered file from downgrading the KDF. */
export const STORE_PWHASH_MIN_OPSLIMIT = 2;
/** Smallest Argon2id memory a key file may declare (64 MiB, libsodium INTERACTIVE). */
export const STORE_PWHASH_MIN_MEMLIMIT = 64 * 1024 * 1024;
/** Largest page of messages or conversations one query returns; bounds memory per UI request. */
export const STORE_MAX_PAGE_SIZE = 500;
/** Most search hits one query returns; the UI shows the best ones first. */
export const STORE_MAX_SEARCH_RESULTS = 200;
/** Most expired messages deleted per expiry tick; keeps one transaction short while the UI is live. */
export const STORE_EXPIRY_BATCH = 500;
/** Expiry timer period for disappearing messages; a message lingers at most this long past its deadline. */
export const STORE_EXPIRY_INTERVAL_MS = 1_000;
/** Pending messages moved into the search index per transaction when idle: ≈ 10–15 ms of work, so a batch that arrives meanwhile waits little. */
export const SEARCH_INDEX_CHUNK = 500;
/** Most pending acks or outbox rows listed at once; bounds one relay ack frame. */
export const STORE_MAX_PENDING_LIST = 1000;
/** Sealed envelopes a profile keeps in memory after committing them to its outbox, so a flush sends them without reading each blob back: a burst's frames in flight and those queued behind them (the oldest are dropped first; a dropped one is read from the store). */
export const OUTBOX_MEMORY_ENTRIES = 4_096;
/** WAL pages after which SQLite checkpoints automatically: the cap during a long burst or catch-up (≈ 40 MiB); idle time checkpoints sooner (conversations/searchIndexer.ts), so deleted content still leaves the WAL soon. */
export const STORE_WAL_AUTOCHECKPOINT_PAGES = 10_000;
/** SQLite page cache per connection, KiB (negative cache_size): a cache miss costs a page decrypt, and 64 MiB keeps RSS under 300 MB at 1M messages. */
export const STORE_CACHE_KIB = 64 * 1024;
/** Messages per transaction in bulk imports (restore, benchmark); large enough to amortise the commit, small enough to keep the WAL short. */
export const STORE_BULK_INSERT_BATCH = 10_000;
/** Audit log rows kept (a ring: the oldest go first); years of key and session events in about 1 MB. */
export const AUDIT_LOG_MAX_ROWS = 10_000;
/** Longest string in an audit detail: fits an address (two 43-character ids and a dot) or an error code, not a sentence. */
export const AUDIT_DETAIL_MAX_STRING_CHARS = 96;

// ── Relay ────────────────────────────────────────────────────────────────────
/** Version carried in every relay frame; a relay rejects frames of another version. */
export const RELAY_PROTOCOL_VERSION = 1;
/** Largest WebSocket frame the relay buffers (ws maxPayload): a full multi-recipient send in base64 plus JSON framing. */
export const RELAY_MAX_FRAME_BYTES = 384 * 1024;
/** Largest single envelope (decoded bytes), as Signal's 96 KiB per-message cap. */
export const RELAY_MAX_ENVELOPE_BYTES = 96 * 1024;
/** Largest sum of envelopes in one multi-recipient send (decoded bytes). */
export const RELAY_MAX_SEND_BYTES = 256 * 1024;
/** Most recipient devices one send may address; an account's devices plus the sender's own. */
export const RELAY_MAX_SEND_RECIPIENTS = 64;
/** Most recipient devices one multi-recipient send (sendMulti) may address: a 1,000-member group with room to spare, and the reply stays small. */
export const RELAY_MAX_MULTI_RECIPIENTS = 1_024;
/** Largest sendMulti frame (shared part and every entry): the 256 KiB, which 1,024 entries of 80 B and a 150 KiB message fit. */
export const RELAY_MAX_MULTI_SEND_BYTES = 256 * 1024;
/** Queued messages expire after this long undelivered, as Signal's 30-day mailbox TTL. */
export const RELAY_MESSAGE_TTL_MS = 30 * 86_400_000;
/** Server frames batched into one WebSocket message flush at this size; bounds the batch while saving writes. */
export const RELAY_OUTBOX_FLUSH_BYTES = 64 * 1024;
/** Messages pushed to a connection before acks are needed. 512, so a client that does not wait for its ack's answer always
 * has the next batch queued while it commits one (bench:app catch-up: event loop busy 97 % against 87–91 % with 256 and
 * the answer awaited); memory per slow reader is bounded by RELAY_DELIVERY_WINDOW_BYTES. */
export const RELAY_DELIVERY_WINDOW = 512;
/** Envelope text (base64url characters) pushed to a connection and not yet acked: bounds memory per slow reader (2 MiB, ≈ 800 texts; one envelope is always allowed). */
export const RELAY_DELIVERY_WINDOW_BYTES = 2 * 1024 * 1024;
/** Most message ids in one ack frame. */
export const RELAY_MAX_ACK_IDS = 1000;
/** Most one-time prekeys of one kind in one upload, as the batch cap. */
export const RELAY_MAX_PREKEY_BATCH = 100;
/** Most one-time prekeys of one kind a device may keep stored; stops storage exhaustion. */
export const RELAY_MAX_STORED_PREKEYS = 1000;
/** Bundle-fetch bucket per requester and target (Signal-Server: 6 tokens). */
export const RELAY_BUNDLE_BUCKET_SIZE = 6;
/** Bundle-fetch refill interval per token (Signal-Server: one every 10 minutes). */
export const RELAY_BUNDLE_REFILL_MS = 10 * 60_000;
/** Bundle fetches one requester device may make across all targets before RATE_LIMITED; stops one device sweeping every pool. */
export const RELAY_BUNDLE_REQUESTER_BUCKET_SIZE = 100;
/** One requester fetch is given back per this interval (100 an hour, far above adding contacts by hand). */
export const RELAY_BUNDLE_REQUESTER_REFILL_MS = 36_000;
/** One-time prekey pairs one target hands out across all requesters before bundles come without them; under half a batch, so a burst of new accounts leaves most of a pool. */
export const RELAY_PREKEY_TARGET_BUDGET = 40;
/** One one-time prekey pair of a target's budget comes back per this interval (96 a day). */
export const RELAY_PREKEY_TARGET_REFILL_MS = 15 * 60_000;
/** Send bucket per sender device; allows bursts of group fan-out. */
export const RELAY_SEND_BUCKET_SIZE = 2_000;
/** Send refill rate per sender device, tokens (recipient messages) per second. */
export const RELAY_SEND_REFILL_PER_SEC = 1_000;
/** Frames one connection may send per second on average before frames are refused; stops floods. */
export const RELAY_FRAME_RATE_PER_SEC = 5_000;
/** Burst of frames allowed above the average rate. */
export const RELAY_FRAME_BURST = 10_000;
/** Unauthenticated connections must authenticate within this long, or are closed. */
export const RELAY_AUTH_TIMEOUT_MS = 15_000;
/** Concurrent connections allowed from one IP address; stops one host from exhausting sockets. */
export const RELAY_MAX_CONNECTIONS_PER_IP = 256;
/** Node http headersTimeout: a client must finish its headers this fast (slowloris). */
export const RELAY_HEADERS_TIMEOUT_MS = 10_000;
/** Node http requestTimeout: a whole request, including an attachment body, must finish this fast. */
export const RELAY_REQUEST_TIMEOUT_MS = 10 * 60_000;
/** Largest attachment blob the relay stores; matches the client's attachment cap. */
export const RELAY_MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024;
/** Attachments are deleted this long after upload, as queued messages. */
export const RELAY_ATTACHMENT_TTL_MS = 30 * 86_400_000;
/** A provisioning channel (device linking) expires this long after it opens. */
export const RELAY_PROVISIONING_TTL_MS = 10 * 60_000;
/** Largest provisioning payload (decoded bytes): an encrypted key bundle. */
export const RELAY_MAX_PROVISIONING_BYTES = 64 * 1024;
/** Largest encrypted backup blob. */
export const RELAY_MAX_BACKUP_BYTES = 100 * 1024 * 1024;
/** Failed backup-auth attempts allowed per IP before refusing (bucket size). */
export const RELAY_BACKUP_GUESS_BUCKET = 10;
/** One failed backup-auth attempt is forgiven per this interval. */
export const RELAY_BACKUP_GUESS_REFILL_MS = 60_000;
/** Most signed devices in one account's device list. */
export const RELAY_MAX_DEVICES = 16;
/** A worker thread checkpoints the relay's SQLite WAL this often, so fsyncs never stall the event loop. */
export const RELAY_WAL_CHECKPOINT_INTERVAL_MS = 1_000;
/** A bearer token for HTTP bulk message fetch lives this long. */
export const RELAY_BULK_TOKEN_TTL_MS = 5 * 60_000;
/** Most messages one HTTP bulk fetch returns. */
export const RELAY_BULK_FETCH_MAX = 1_000;
/** File in the relay's data directory holding its identity key seed (32 bytes, mode 0600); instances behind one URL share it with --key. */
export const RELAY_KEY_FILE = 'relay-identity.key';
/** Wait before re-opening a dropped PostgreSQL LISTEN connection. */
export const RELAY_LISTEN_RETRY_MS = 1_000;
/** How often the relay deletes expired messages, attachments and channels. */
export const RELAY_CLEANUP_INTERVAL_MS = 60_000;

// ── Client / app ─────────────────────────────────────────────────────────────
/** The relay's WebSocket path; a bare relay address (ws://host:port) means this endpoint. */
export const RELAY_WS_PATH = '/v1/ws';
/** Relay the app uses when none is configured: the embedded one on this machine. */
export const DEFAULT_RELAY_URL = 'ws://127.0.0.1:8787';
/** Longest relay URL an invite code carries; keeps the QR code small and scannable. */
export const INVITE_MAX_RELAY_URL_BYTES = 200;
/** Longest device name a link code carries (UTF-8 bytes, in a fixed zero-padded field): enough for a name, keeps the QR code scannable. */
export const LINK_DEVICE_NAME_MAX_BYTES = 32;
/** Messages per frame of a linking history transfer: a frame is one AEAD call and one insert batch on the new device. */
export const LINK_HISTORY_CHUNK_MESSAGES = 1_000;
/** Largest sealed frame a new device accepts in a linking history (deflated); a hostile relay cannot make it hold more. */
export const LINK_MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** History a new device gets by default when linking (days); the user may choose all of it or less. */
export const LINK_DEFAULT_HISTORY_DAYS = 90;
/** Attempts a new device makes to download the linking history (each resumes where the last stopped). */
export const LINK_DOWNLOAD_ATTEMPTS = 5;
/** Digits of the short code both desktops show while linking: one guess per link code, so 10⁻⁸ is an attacker's whole chance. */
export const LINK_SHORT_CODE_DIGITS = 8;
/** Pause before the n-th retry of a history download is n times this. */
export const LINK_DOWNLOAD_RETRY_MS = 500;
/** Received events (edits, deletes, reactions, receipts, timers) kept for `parley receive`; the oldest go first, so a profile no script reads stays small. */
export const RECEIVED_EVENTS_MAX_ROWS = 10_000;
/** How long a CLI command waits for the relay before it works offline (and reports what stayed queued). */
export const CLI_CONNECT_WAIT_MS = 5_000;
/** How long the app waits for a TCP connect to a configured relay before it starts the embedded one. */
export const EMBEDDED_RELAY_PROBE_MS = 1_000;
/** SHA-512 iterations per safety-number half, as Signal's numeric fingerprint: slows brute-force collision search. */
export const SAFETY_NUMBER_ITERATIONS = 5200;
/** Longest message text, in UTF-16 units; with headers it stays well under the relay's envelope cap. */
export const MAX_MESSAGE_TEXT_CHARS = 16_000;
/** Largest attachment a user can send; matches the relay's attachment cap. */
export const MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024;
/** Bytes per attachment chunk over IPC; base64 of it stays under IPC_MAX_PAYLOAD_BYTES. */
export const ATTACHMENT_IPC_CHUNK_BYTES = 128 * 1024;
/** Longest disappearing timer (seconds): a year, what the wire format accepts. */
export const MAX_DISAPPEARING_TIMER_S = 365 * 86_400;
/** Longest reaction text (UTF-16 units), what the wire format accepts: one emoji with modifiers. */
export const REACTION_MAX_CHARS = 16;
/** Messages an export writes between progress reports: often enough for a smooth bar, rarely enough to cost nothing. */
export const EXPORT_PROGRESS_EVERY = 250;
/** Characters of a replied-to message an HTML export quotes above the reply: enough to recognise it. */
export const EXPORT_REPLY_EXCERPT_CHARS = 120;
/** Numbered export folders ("Parley export … (2)") tried before Settings → Export gives up: more than this in one second is a runaway loop, not a person. */
export const EXPORT_FOLDER_MAX_TRIES = 100;
/** Longest file name (UTF-8 bytes) a saved or exported attachment gets: under every common file system's 255, with room for " (n)". */
export const SAVED_FILE_NAME_MAX_BYTES = 200;
/** Numbered variants ("name (2).png", …) tried before saving a file gives up: a folder full of one name is a mistake, not a case to serve. */
export const SAVED_FILE_NAME_MAX_TRIES = 1_000;
/** Plaintext bytes per secretstream chunk of an attachment; bounds memory per chunk while keeping overhead under 0.03%. */
export const ATTACHMENT_CHUNK_BYTES = 64 * 1024;
/** Messages fetched per page in the chat view; one screen plus overscan. */
export const MESSAGE_PAGE_SIZE = 50;
/** Conversations in the sidebar list (and in each pushed list order); more than anyone scrolls through, one query. */
export const CONVERSATION_LIST_LIMIT = 200;
/** Most message rows one messagesChanged event carries; a bigger burst (history import, mass expiry) costs the same as re-reading one page, so the event asks for that instead. */
export const EVENT_MAX_MESSAGE_ROWS = MESSAGE_PAGE_SIZE;
/** First unlock retry wait after a wrong passphrase; doubles per failure. */
export const UNLOCK_BACKOFF_BASE_MS = 1_000;
/** Longest unlock retry wait; stops guessing without locking the owner out for long. */
export const UNLOCK_BACKOFF_MAX_MS = 60_000;
/** How long a "typing" signal stays valid without a refresh. */
export const TYPING_TTL_MS = 6_000;
/** A group's typing signal goes pairwise to each member device; above this many devices it is not sent (a signal is not worth that many encryptions). */
export const MAX_GROUP_TYPING_DEVICES = 100;
/** Plaintext is padded to a multiple of this many bytes, so ciphertext length hides most of a message's length. */
export const CONTENT_PAD_BLOCK = 160;
/** Disappearing-message timers the app offers, in seconds (30 s to 1 week). */
export const DISAPPEARING_CHOICES = [30, 300, 3600, 86_400, 604_800] as const;
/** Reconnect backoff to the relay: first wait and ceiling. */
export const RECONNECT_BASE_MS = 500;
/** Ceiling of that backoff: a relay that is down is retried at least twice a minute. */
export const RECONNECT_MAX_MS = 30_000;

// ── Groups (src/main/groups, docs/protocol.md §8) ──────────────────────────────
/** Most message keys one sender-key chain skips for a late message (Signal's MAX_MESSAGE_KEYS is 2000); bounds work an attacker can force per message. */
export const MAX_GROUP_SKIP = 1000;
/** Chains (current and superseded) kept per sender device per group, so messages in flight across a rotation still decrypt. */
export const MAX_SENDER_CHAINS = 3;
/** Most skipped sender-key message keys one chain stores; bounds record size. */
export const MAX_GROUP_SKIPPED_KEYS = 1000;
/** Most members of one group: the benchmark's 1,000 with room; bounds state size and fan-out. */
export const MAX_GROUP_MEMBERS = 1_024;
/** Longest group name (UTF-16 units). */
export const MAX_GROUP_NAME_CHARS = 64;
/** Most versions a state update carries (a new member gets the chain from the start); bounds one update's size. */
export const MAX_GROUP_VERSIONS = 512;
/** Members one create or add version names: a version stays under ~24 KiB at the longest names, so state updates fit relay envelopes (RELAY_MAX_ENVELOPE_BYTES); a larger group is a create and adds. */
export const GROUP_VERSION_MAX_MEMBERS = 128;
/** Version JSON one groupUpdate content carries: under RELAY_MAX_ENVELOPE_BYTES after nesting, padding and sealing; a longer chain goes in several, in order. */
export const GROUP_UPDATE_MAX_BYTES = 48 * 1024;
/** A member device asks one peer device for a group's missing versions at most this often (per group, in memory): a relay that keeps withholding costs one request and one bounded answer a minute, not one per update. */
export const GROUP_CHAIN_REQUEST_INTERVAL_MS = 60_000;
/** Version JSON one answer to a chain request carries (in GROUP_UPDATE_MAX_BYTES parts): a 1,024-member group's whole chain (~150 KiB at the longest names) with room, and bounds what one request makes a member seal. */
export const GROUP_CHAIN_ANSWER_MAX_BYTES = 256 * 1024;
/** Group messages that did not decrypt (no sender key yet) kept per group for a retry when the key arrives. */
export const MAX_GROUP_PENDING = 200;

/** Group content that arrived before the state allowing it (its group unknown here, or its sender not yet a member) kept per sender device: more than a member sends while an add or a repair is on its way. */
export const GROUP_HELD_PER_SENDER = 100;
/** …and in all: bounds what senders who never become members can make the store keep; the oldest go first (audited). */
export const GROUP_HELD_MAX_ROWS = 2_000;
/** …and for this long: a state update later than this (withheld by the relay, say) does not bring its early content back; dropped rows are audited. */
export const GROUP_HELD_TTL_MS = 7 * 86_400_000;

// ── Delivery and repair (src/main/session, src/main/conversations) ─────────────────────
/** Sent content is kept this long (encrypted store) so a device that could not decrypt it can ask for it again (Signal keeps ~24 h). */
export const RESEND_LOG_TTL_MS = 24 * 3_600_000;
/** Most resend-log rows kept; the oldest go first. Bounds the store a chatty account grows. */
export const RESEND_LOG_MAX_ROWS = 20_000;
/** Times one logged content is sent again to one device; a peer that keeps failing cannot make us resend forever. */
export const MAX_RESENDS_PER_ENTRY = 3;
/** An outgoing message no device confirmed (delivery receipt) within this time shows "not delivered" with a retry action. */
export const DELIVERY_DEADLINE_MS = 24 * 3_600_000;
/** Edits, deletes, reactions and receipts that arrive before their target message wait at most this long. */
export const PENDING_EFFECT_TTL_MS = 7 * 86_400_000;
/** Most waiting effects kept (oldest dropped first); bounds what a peer can make us hold. */
export const PENDING_EFFECTS_MAX = 5_000;
/** First wait before content for a device with no session yet (no bundle: still linking) is tried again; doubles per failure. */
export const UNSENT_RETRY_BASE_MS = 1_000;
/** Longest wait between such tries; bounds how late a message to a new device can be, and the bundle fetches it costs. */
export const UNSENT_RETRY_MAX_MS = 5 * 60_000;
/** First wait before a failed owed device-list refresh (store v17) is tried again; doubles per failure (a failure is the relay refusing or gone). */
export const LIST_REFRESH_RETRY_BASE_MS = 5_000;
/** Longest wait between tries of one owed refresh: bounds how long a new device of a contact goes without our texts once the relay answers again. */
export const LIST_REFRESH_RETRY_MAX_MS = 10 * 60_000;
/** Owed refreshes run in one pass (each is a relay round trip): a contacts sync naming hundreds of new accounts is spread over upkeep ticks instead of holding up the work after a reconnect. */
export const LIST_REFRESH_PER_RUN = 50;
/** Content logged this long before a contact's device was added (by its list) still goes to it: covers clock skew between devices. */
export const LATE_DEVICE_SLACK_MS = 10 * 60_000;
/** A failed outbox flush is tried again after this long while online (else it would wait for the next send or connection). */
export const OUTBOX_RETRY_MS = 5_000;
/** Device pairs whose sealed-sender static values (peer X25519 key, static DH) stay cached: more than the contacts' devices of a busy profile. */
export const SEALED_STATIC_CACHE_ENTRIES = 4_096;
/** A multi-recipient seal's ephemeral key (its epoch) lives at most this long: bounds what a sender-memory compromise exposes of the sealed layer, and how long envelopes share a linkable key. */
export const SEAL_EPOCH_MAX_AGE_MS = 60 * 60_000;
/** …and seals at most this many uploads: the same bound for a busy group (warm sends cost a key wrap per recipient, a rotation one X25519 each). */
export const SEAL_EPOCH_MAX_UPLOADS = 1_000;
/** A send turn's envelopes to one device share one seal key (session/sealBurst.ts) for at most this many: bounds how many envelopes one key links, as SEAL_EPOCH_MAX_UPLOADS does for a group. */
export const SEAL_BURST_MAX_ENVELOPES = 1_000;
/** Seal epoch keys (a sender's E, per own key) whose opening values a recipient keeps: more than the senders' open epochs a busy profile hears from; the least recently used is zeroed first. */
export const SEAL_OPEN_CACHE_ENTRIES = 1_024;
/** Groups whose member devices and chain recipients stay cached in memory between sends (until their tables change): more than the groups one sends to at once. */
export const GROUP_READ_CACHE_GROUPS = 32;
/** Conversations whose send reads (contact check, timer, recipient devices) are kept until a table they read changes: more than one sends to at once. */
export const SEND_READS_CACHE_CONVERSATIONS = 64;
/** Scopes (groups) with an open seal epoch: more than the groups a profile sends to in an hour; the least recently used is zeroed first. */
export const SEAL_EPOCH_MAX_SCOPES = 64;
/** Longest a catch-up's receive batches hold their delivery receipts (then one receipt per sender covers them all): a sender sees delivered this long after at worst, also when the relay's backlog count was off. */
export const RECEIPT_HOLD_MS = 2_000;
/** Owed receipt ids read at once by a receipt round (one receipt per 500): a round reads again while a read comes back full. */
export const RECEIPT_ROUND_IDS = 5_000;
/** Sends of one turn encrypted and committed per transaction: one relay frame's worth, flushed between chunks (with 256 a burst's outbox fell ≈ 1,000 behind: bench:app, fifth round). */
export const SEND_CHUNK = RELAY_MAX_SEND_RECIPIENTS;
/** Most JSON text one `send` frame carries (one entry may exceed it): V8 puts strings over 128 KiB in large-object space, and a relay parsed a 179 KB frame in ≈ 1,230 µs against ≈ 120 µs for 123 KB (stop 26). */
export const SEND_FRAME_TEXT_BYTES = 120 * 1024;
/** Outbox entries the relay took that one flush confirms in one commit (several frames' worth; a crash before it resends them and receivers drop the repeats). */
export const CONFIRM_COALESCE_MAX = 256;
/** Chunks of a burst whose sealing pairs the worker makes ahead: with one, a chunk that ran faster than the worker found whole devices' pairs missing (bench:app, fifth round). */
export const SEAL_AHEAD_CHUNKS = 2;
/** Fresh sealing key pairs ready or on their way per recipient device (session/sealAhead.ts): the chunk being sealed and those made ahead, for a burst to one device; more are made in the send itself. */
export const SEAL_AHEAD_MAX_PER_DEVICE = (SEAL_AHEAD_CHUNKS + 1) * SEND_CHUNK;
/** Envelopes a catch-up's receive batch waits for before it starts: half the relay's delivery window, so the other half is on its way while one commits (conversations/batchFill.ts). */
export const RECEIVE_FILL_ENVELOPES = 256;
/** Longest a catch-up's receive batch waits for RECEIVE_FILL_ENVELOPES: a relay pushes a window in a few milliseconds; one that announced more than it sends costs this much a batch. */
export const RECEIVE_FILL_WAIT_MS = 10;
/** Most envelopes one receive batch decrypts and commits in one transaction: the relay's delivery window, so one batch can take all it pushed. */
export const RECEIVE_BATCH_MAX = 512;
/** Longest the main thread waits for a sealed-sender DH the worker is computing at that moment (one DH is ≈ 40 µs); past it, it computes the DH itself. */
export const SHARED_DH_WAIT_MS = 5;
/** An envelope whose sender could not be checked (relay busy or reconnecting) is tried again after this long while online. */
export const DEFERRED_RETRY_MS = 2_000;
/** How long a send or a receive waits for the relay connection before it leaves the work queued for the next connection. */
export const RELAY_SEND_WAIT_MS = 5_000;
/** How long an action that needs the relay (adding a contact, sending a file, revoking, rotating, linking) waits for the connection before it reports CHAT_OFFLINE. */
export const RELAY_ACTION_WAIT_MS = 5_000;
/** How long a new profile, or `waitOnline`, waits for its first authenticated connection. */
export const RELAY_CONNECT_WAIT_MS = 10_000;
/** How long an arriving envelope waits for the connection to finish authenticating before it is left for the next connection. */
export const RELAY_ONLINE_WAIT_MS = 15_000;
/** The upkeep beyond expiry (overdue deliveries, pruning, unsent content) runs every this many expiry ticks. */
export const MAINTENANCE_EVERY_TICKS = 30;
/** Most message ids one read receipt names; a long unread stretch goes out as several receipts. */
export const READ_RECEIPT_BATCH = 500;
/** How many times a phrase rotation flushes the old account's outbox before switching, RELAY_FLUSH_RETRY_MS apart. */
export const ROTATION_FLUSH_ATTEMPTS = 20;
/** Pause between the flushes of a phrase rotation. */
export const ROTATION_FLUSH_RETRY_MS = 100;

// ── Backups and snapshots (src/main/backup, src/main/snapshot) ───────────────────
/** Messages per chunk that snapshot export reads in one query; bounds memory per step and keeps each read short while the UI is live. */
export const SNAPSHOT_CHUNK_MESSAGES = 500;
/** Longest text field accepted from an imported snapshot; above any text the app writes (MAX_MESSAGE_TEXT_CHARS), so a hostile peer cannot balloon memory. */
export const SNAPSHOT_MAX_TEXT_CHARS = 65_536;
/** Most reactions accepted on one imported message; one per sender, far above any real conversation. */
export const SNAPSHOT_MAX_REACTIONS = 1_000;
/** Format version of backup manifests and segments; bound into every blob's AD, so an old blob cannot pass as a new one. */
export const BACKUP_FORMAT_VERSION = 1;
/** Most messages (records plus tombstones) in one backup segment; one new message makes a small segment, a full export a few hundred. */
export const BACKUP_SEGMENT_MAX_MESSAGES = 2_000;
/** A segment is closed once its plaintext reaches this many bytes; with one record's worst case on top it stays under BACKUP_MAX_BLOB_BYTES. */
export const BACKUP_SEGMENT_MAX_BYTES = 8 * 1024 * 1024;
/** Largest manifest or segment blob accepted when downloading; a hostile relay cannot make a restore hold more per blob. */
export const BACKUP_MAX_BLOB_BYTES = 16 * 1024 * 1024;
/** A backup blob download with no data for this long is abandoned, so a stalling relay cannot hang a restore. */
export const BACKUP_TRANSFER_IDLE_MS = 30_000;
/** Most segments one manifest may list; a million messages need ~500, and a hostile manifest cannot order unbounded downloads. */
export const BACKUP_MAX_MANIFEST_SEGMENTS = 4_096;
/** Incremental segments kept before a backup is compacted into a fresh full set; bounds restore work and stale data on the relay. */
export const BACKUP_MAX_DELTA_SEGMENTS = 32;
/** Backup plaintexts are padded to a multiple of this, so the relay sees segment sizes only in coarse steps. */
export const BACKUP_PAD_BLOCK = 4096;
/** Automatic backups run this long after the last change, so a burst of messages makes one segment, not one per message. */
export const BACKUP_DEBOUNCE_MS = 30_000;
/** Most backup runs a one-shot CLI command makes before it exits: a run repeats only while messages changed during the previous one (a receipt arrived). */
export const BACKUP_EXIT_RUNS = 3;
/** A steady stream of changes still gets backed up at least this often (the debounce would otherwise wait forever). */
export const BACKUP_MAX_WAIT_MS = 15 * 60_000;
/** Automatic backups start at most this often; also the retry wait after a failure, so a down relay is not hammered. */
export const BACKUP_MIN_INTERVAL_MS = 5 * 60_000;
/** The scheduler reads the store's change counter this often, so it notices changes from any writer without hooks. */
export const BACKUP_POLL_MS = 5_000;
/** Longest JSON-RPC request line `parley daemon` reads (bytes): a text at MAX_MESSAGE_TEXT_CHARS fits many times over; bounds memory per client. */
export const DAEMON_MAX_LINE_BYTES = 1024 * 1024;
/** Requests one JSON-RPC batch may hold: a batch runs at once, so this bounds the work one line can start. */
export const DAEMON_MAX_BATCH = 100;
/** Clients connected to a daemon socket at once: a few scripts and bridges, not a public server. */
export const DAEMON_MAX_CLIENTS = 16;
/** How long the daemon waits for a connect to an existing socket file to tell a running daemon from a stale file. */
export const DAEMON_SOCKET_PROBE_MS = 1_000;
