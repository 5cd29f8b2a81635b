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

// ── Local store ──────────────────────────────────────────────────────────────

// ── Relay ────────────────────────────────────────────────────────────────────

// ── Client / app ─────────────────────────────────────────────────────────────
/** Relay the app uses when none is configured: the embedded one on this machine. */
export const DEFAULT_RELAY_URL = 'ws://127.0.0.1:8787';
/** Longest relay URL an invite code carries; keeps the QR code small and scannable. */
export const INVITE_MAX_RELAY_URL_BYTES = 200;
/** SHA-512 iterations per safety-number half, as Signal's numeric fingerprint: slows brute-force collision search. */
export const SAFETY_NUMBER_ITERATIONS = 5200;
/** Longest message text, in UTF-16 units; with headers it stays well under the relay's envelope cap. */
export const MAX_MESSAGE_TEXT_CHARS = 16_000;
/** Largest attachment a user can send; matches the relay's attachment cap. */
export const MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024;
/** Bytes per attachment chunk over IPC; base64 of it stays under IPC_MAX_PAYLOAD_BYTES. */
export const ATTACHMENT_IPC_CHUNK_BYTES = 128 * 1024;
/** Plaintext bytes per secretstream chunk of an attachment; bounds memory per chunk while keeping overhead under 0.03%. */
export const ATTACHMENT_CHUNK_BYTES = 64 * 1024;
/** Messages fetched per page in the chat view; one screen plus overscan. */
export const MESSAGE_PAGE_SIZE = 50;
/** First unlock retry wait after a wrong passphrase; doubles per failure. */
export const UNLOCK_BACKOFF_BASE_MS = 1_000;
/** Longest unlock retry wait; stops guessing without locking the owner out for long. */
export const UNLOCK_BACKOFF_MAX_MS = 60_000;
/** How long a "typing" signal stays valid without a refresh. */
export const TYPING_TTL_MS = 6_000;
/** Plaintext is padded to a multiple of this many bytes, so ciphertext length hides most of a message's length. */
export const CONTENT_PAD_BLOCK = 160;
/** Disappearing-message timers the app offers, in seconds (30 s to 1 week). */
export const DISAPPEARING_CHOICES = [30, 300, 3600, 86_400, 604_800] as const;
/** Reconnect backoff to the relay: first wait and ceiling. */
export const RECONNECT_BASE_MS = 500;
export const RECONNECT_MAX_MS = 30_000;
