/** Signature checks the relay performs: device lists, prekeys and auth challenges (Ed25519 via libsodium). */
import sodium from 'libsodium-wrappers-sumo';
import { deviceListSignedBytes, publicKeyFromId, type SignedDeviceList } from '../shared/wire/deviceList';
import { fromBase64Url } from '../shared/wire/encoding';
import { keyChangeBytes } from '../shared/wire/keyChange';
import { prekeySignatureMessage, type PreKeyKind } from '../shared/wire/prekeySignature';
import { authChallengeBytes, type WirePrekey } from '../shared/wire/relay';

/** Resolves when libsodium is initialised; every signature check waits for it. */
export const sodiumReady = sodium.ready;

function verify(signatureB64: string, message: Uint8Array, publicKey: Uint8Array): boolean {
  const sig = fromBase64Url(signatureB64);
  if (!sig || sig.length !== sodium.crypto_sign_BYTES) return false;
  try {
    return sodium.crypto_sign_verify_detached(sig, message, publicKey);
  } catch {
    return false;
  }
}

/** True when the device list is signed by the account key it names and, if it names a co-signer, by that device key too. */
export function verifyDeviceList(list: SignedDeviceList): boolean {
  const encoded = deviceListSignedBytes(list);
  const accountKey = publicKeyFromId(list.accountId);
  if (!encoded.ok || accountKey === null || !verify(list.signature, encoded.bytes, accountKey)) return false;
  if (!list.coSigner) return list.coSignature === undefined;
  const coKey = publicKeyFromId(list.coSigner);
  return coKey !== null && list.coSignature !== undefined && verify(list.coSignature, encoded.bytes, coKey);
}

const KEY_LENGTHS: Record<PreKeyKind, number> = { 1: 32, 2: 32, 3: 1184, 4: 1184 };

/** True when the prekey is signed by the device's identity key for this kind and key id. */
export function verifyPrekey(deviceId: string, kind: PreKeyKind, key: WirePrekey): boolean {
  const deviceKey = publicKeyFromId(deviceId);
  const pub = fromBase64Url(key.publicKey);
  if (!deviceKey || !pub || pub.length !== KEY_LENGTHS[kind]) return false;
  return verify(key.signature, prekeySignatureMessage(kind, key.keyId, pub), deviceKey);
}

/**
 * True when `signature` answers this relay's challenge: made over this relay's
 * own identity key (`relayKey`), the host, the nonce, the account and the device.
 */
export function verifyAuth(relayKey: Uint8Array, host: string, nonce: Uint8Array, accountId: string, deviceId: string, signature: string): boolean {
  const accountKey = publicKeyFromId(accountId);
  const deviceKey = publicKeyFromId(deviceId);
  if (!accountKey || !deviceKey) return false;
  return verify(signature, authChallengeBytes(relayKey, host, nonce, accountKey, deviceKey), deviceKey);
}

/** True when `signature` is the old account key's statement that `newAccountId` replaces it (docs/protocol.md §6.6). */
export function verifyAccountChange(oldAccountId: string, newAccountId: string, signature: string): boolean {
  const oldKey = publicKeyFromId(oldAccountId);
  const newKey = publicKeyFromId(newAccountId);
  if (!oldKey || !newKey || oldAccountId === newAccountId) return false;
  return verify(signature, keyChangeBytes(oldKey, newKey), oldKey);
}
