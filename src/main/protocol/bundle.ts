/**
 * A prekey bundle: what the relay hands out for one device so a peer can
 * start a session without it being online. Every signature is checked by
 * `verifyBundle` before any key in it is used.
 */
import { PreKeyKind } from '../../shared/wire/prekeySignature';
import { ProtocolError } from './errors';
import { MLKEM_PUBLIC_BYTES, X25519_KEY_BYTES, requirePreKeySignature, type PreKeyPair, type SignedPublicPreKey } from './keys';

/** A signed ML-KEM-768 prekey in a bundle: one-time or last-resort. */
export interface KemPublicPreKey extends SignedPublicPreKey {
  /** A one-time KEM prekey is consumed by its first use; the last-resort one is reused. */
  readonly kind: 'oneTime' | 'lastResort';
}

/** What a peer needs to start a session with a device while it is offline: identity key and signed prekeys. */
export interface PreKeyBundle {
  /** The device's Ed25519 identity public key (32). */
  readonly identityKey: Uint8Array;
  readonly signedPreKey: SignedPublicPreKey;
  readonly oneTimePreKey?: SignedPublicPreKey | undefined;
  readonly kemPreKey: KemPublicPreKey;
}

/** The prekey-signature kind byte of a KEM prekey of kind `k`. */
export const kemKindByte = (k: KemPublicPreKey['kind']): PreKeyKind =>
  k === 'oneTime' ? PreKeyKind.oneTimeKem : PreKeyKind.lastResortKem;

/** Checks sizes and all three or four signatures; throws PROTOCOL_BAD_SIGNATURE or PROTOCOL_INVALID_KEY. */
export function verifyBundle(bundle: PreKeyBundle): void {
  const size = (k: SignedPublicPreKey, n: number): void => {
    if (k.publicKey.length !== n) throw new ProtocolError('PROTOCOL_INVALID_KEY', `A prekey public key is ${n} bytes.`);
  };
  if (bundle.identityKey.length !== 32) throw new ProtocolError('PROTOCOL_INVALID_KEY', 'An identity key is 32 bytes.');
  size(bundle.signedPreKey, X25519_KEY_BYTES);
  size(bundle.kemPreKey, MLKEM_PUBLIC_BYTES);
  requirePreKeySignature(bundle.identityKey, PreKeyKind.signedEc, bundle.signedPreKey);
  requirePreKeySignature(bundle.identityKey, kemKindByte(bundle.kemPreKey.kind), bundle.kemPreKey);
  if (bundle.oneTimePreKey) {
    size(bundle.oneTimePreKey, X25519_KEY_BYTES);
    requirePreKeySignature(bundle.identityKey, PreKeyKind.oneTimeEc, bundle.oneTimePreKey);
  }
}

/** Builds the bundle a relay would serve from a device's own keys (tests, benchmarks, and upload). */
export function bundleFromKeys(identityKey: Uint8Array, spk: PreKeyPair, kem: PreKeyPair, opk?: PreKeyPair): PreKeyBundle {
  return {
    identityKey,
    signedPreKey: spk.signed,
    oneTimePreKey: opk?.signed,
    kemPreKey: { ...kem.signed, kind: kem.kind === PreKeyKind.oneTimeKem ? 'oneTime' : 'lastResort' },
  };
}
