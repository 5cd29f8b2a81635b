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
