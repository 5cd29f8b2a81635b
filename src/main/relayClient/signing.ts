/** Client-side signing and verification for relay objects: device lists, prekeys, auth challenges and the relay's own challenge signature. */
import sodium from 'libsodium-wrappers-sumo';
import { canonicalDevices, deviceListSignedBytes, publicKeyFromId, type DeviceEntry, type SignedDeviceList } from '../../shared/wire/deviceList';
import { fromBase64Url, toBase64Url } from '../../shared/wire/encoding';
import { prekeySignatureMessage, type PreKeyKind } from '../../shared/wire/prekeySignature';
import { authChallengeBytes, challengeSignedBytes, deviceListSchema, RELAY_CHALLENGE_BYTES, RELAY_KEY_BYTES, type WirePrekey } from '../../shared/wire/relay';
import { RelayClientError } from './errors';

/** An Ed25519 key pair as the relay sees it: its id (base64url public key) and the 64-byte secret key. */
export interface SigningKey {
  readonly id: string;
  readonly secretKey: Uint8Array;
}

/** A new random Ed25519 signing key. */
export async function generateSigningKey(): Promise<SigningKey> {
  await sodium.ready;
  const kp = sodium.crypto_sign_keypair();
  return { id: toBase64Url(kp.publicKey), secretKey: kp.privateKey };
}

/**
 * Signs a v2 device list at `version` with the account key and, unless this is a
 * recovery list (`coSigner` null), co-signs it with a device key of the previous
 * list (devices sorted into their canonical order; docs/protocol.md §6.1).
 */
export function signDeviceList(account: SigningKey, version: number, devices: readonly DeviceEntry[], coSigner: SigningKey | null = null): SignedDeviceList {
  const list = { accountId: account.id, version, devices: canonicalDevices(devices), coSigner: coSigner?.id ?? null };
  const encoded = deviceListSignedBytes(list);
  if (!encoded.ok) throw new RelayClientError('BAD_DEVICE_LIST', `device list is malformed: ${encoded.problem}`);
  const signature = toBase64Url(sodium.crypto_sign_detached(encoded.bytes, account.secretKey));
  if (!coSigner) return { ...list, signature };
  return { ...list, signature, coSignature: toBase64Url(sodium.crypto_sign_detached(encoded.bytes, coSigner.secretKey)) };
}

function verifiesBy(signature: string | undefined, bytes: Uint8Array, keyId: string): boolean {
  const key = publicKeyFromId(keyId);
  const sig = signature === undefined ? null : fromBase64Url(signature);
  if (!key || !sig || sig.length !== sodium.crypto_sign_BYTES) return false;
  try {
    return sodium.crypto_sign_verify_detached(sig, bytes, key);
  } catch {
    return false; // libsodium throws on malformed input; a malformed signature simply does not verify
  }
}

/** A list's head hash: base64url SHA-256 of its signed bytes (version, co-signer and devices), or '' for a malformed list. */
export function deviceListHead(list: SignedDeviceList): string {
  const encoded = deviceListSignedBytes(list);
  return encoded.ok ? toBase64Url(sodium.crypto_hash_sha256(encoded.bytes)) : '';
}

/** True when the account key signed exactly this list and, when it names a co-signer, that device key did too. */
export function deviceListVerifies(list: SignedDeviceList): boolean {
  const encoded = deviceListSignedBytes(list);
  if (!encoded.ok || !verifiesBy(list.signature, encoded.bytes, list.accountId)) return false;
  if (list.coSigner) return verifiesBy(list.coSignature, encoded.bytes, list.coSigner);
  return list.coSignature === undefined;
}

/**
 * True only when `list` proves that `deviceId` was revoked from the account
 * whose key is `accountPublicKey`: a well-formed list of that account, signed
 * by that key, newer than `knownVersion` (the highest version this device has
 * verified) and without `deviceId`. Nothing the relay says counts otherwise:
 * it cannot forge such a list, so a device may wipe its keys on one. Takes
 * the list as received (unknown shape). Needs libsodium ready.
 */
export function confirmRevocation(list: unknown, accountPublicKey: Uint8Array, deviceId: string, knownVersion: number): boolean {
  const parsed = deviceListSchema.safeParse(list);
  if (!parsed.success || accountPublicKey.length !== 32 || parsed.data.accountId !== toBase64Url(accountPublicKey)) return false;
  const l = parsed.data;
  return l.version > knownVersion && !l.devices.some((d) => d.deviceId === deviceId) && deviceListVerifies(l);
}

/** Signs a one-time or signed prekey with the device key, in the relay's wire form. */
export function signPrekey(device: SigningKey, kind: PreKeyKind, keyId: number, publicKey: Uint8Array): WirePrekey {
  const sig = sodium.crypto_sign_detached(prekeySignatureMessage(kind, keyId, publicKey), device.secretKey);
  return { keyId, publicKey: toBase64Url(publicKey), signature: toBase64Url(sig) };
}

/**
 * Signs the relay's auth challenge with the device key: over the relay's
 * identity key (as its challenge presented it), the host, the nonce and both keys.
 */
export function signChallenge(relayKey: Uint8Array, host: string, nonce: Uint8Array, account: string, device: SigningKey): string {
  const accountKey = publicKeyFromId(account);
  const deviceKey = publicKeyFromId(device.id);
  if (!accountKey || !deviceKey) throw new RelayClientError('BAD_DEVICE_LIST', 'account or device id is not an Ed25519 key');
  return toBase64Url(sodium.crypto_sign_detached(authChallengeBytes(relayKey, host, nonce, accountKey, deviceKey), device.secretKey));
}

/** True when `signature` is the relay key's signature over its challenge (this key, this nonce). Needs libsodium ready. */
export function relayChallengeVerifies(relayKey: Uint8Array, nonce: Uint8Array, signature: Uint8Array): boolean {
  if (relayKey.length !== RELAY_KEY_BYTES || nonce.length !== RELAY_CHALLENGE_BYTES || signature.length !== sodium.crypto_sign_BYTES) return false;
  try {
    return sodium.crypto_sign_verify_detached(signature, challengeSignedBytes(relayKey, nonce), relayKey);
  } catch {
    return false; // a malformed key is a failed proof, which the caller reports as BAD_RESPONSE
  }
}
