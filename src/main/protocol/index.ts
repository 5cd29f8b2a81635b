/** Public surface of the ratchet engine. */
export { ProtocolError, type ProtocolErrorCode } from './errors';
export {
  IdentityKeyPair, PreKeyPair, generateIdentityKey, identityKeyFromSeed, generateSignedPreKey, generateOneTimePreKeys,
  generateLastResortKemPreKey, generateOneTimeKemPreKeys, verifyPreKeySignature, requirePreKeySignature, verifyEd25519, type SignedPublicPreKey,
} from './keys';
export { bundleFromKeys, verifyBundle, type PreKeyBundle, type KemPublicPreKey } from './bundle';
export {
  initiateSession, encryptMessage, HeldRecord, decryptMessage, requiredPreKeys, archiveSession, deviceIdentity,
  type DecryptInput, type DecryptResult, type Decrypted, type EncryptResult, type PreKeyRecords,
} from './session';
export { recordHealth, SEEN_BASE_KEY_TTL_MS, type SessionHealth } from './sessionRecord';
export { parseMessage, NORMAL_OVERHEAD, PREAMBLE_BYTES, type RatchetMessage } from './message';
export { addressKey, type ProtocolAddress } from './address';
