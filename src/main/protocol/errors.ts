/** Typed errors of the ratchet engine. Callers branch on `code`; messages never carry key material or plaintext. */
import { ParleyError } from '../../shared/errors';

/** Why the ratchet engine refused an operation; each code is one kind of failure. */
export type ProtocolErrorCode =
  /** A public key is not a valid point, or is of low order (the DH output would be all zeros). */
  | 'PROTOCOL_INVALID_KEY'
  /** A prekey signature by the device identity key does not verify. */
  | 'PROTOCOL_BAD_SIGNATURE'
  /** The peer's identity key differs from the one the address names or from the trusted one. */
  | 'PROTOCOL_UNTRUSTED_IDENTITY'
  /** The bytes are not a well-formed Parley message or record. */
  | 'PROTOCOL_MALFORMED'
  /** The message (or record) uses a version this engine does not speak. */
  | 'PROTOCOL_VERSION'
  /** No session state could decrypt the message header. */
  | 'PROTOCOL_NO_SESSION'
  /** The message decrypted before (or its key expired): replays are rejected. */
  | 'PROTOCOL_DUPLICATE'
  /** Accepting the message would skip more than MAX_SKIP keys. */
  | 'PROTOCOL_TOO_MANY_SKIPPED'
  /** The header decrypted but the body failed authentication. */
  | 'PROTOCOL_BAD_MAC'
  /** An initial message names a prekey this device does not have (used, expired or never issued). */
  | 'PROTOCOL_MISSING_PREKEY'
  /** A plaintext or field exceeds a named limit. */
  | 'PROTOCOL_TOO_LARGE';

/** The typed error every ratchet-engine failure raises. */
export class ProtocolError extends ParleyError<ProtocolErrorCode> {}
