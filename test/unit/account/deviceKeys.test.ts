/**
 * DeviceKeys' signing views (issue 13 §6): the device signer holds the one
 * buffer of the identity secret, never a per-call copy, and dispose erases it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import sodium from 'libsodium-wrappers-sumo';
import { DeviceKeys } from '../../../src/main/account/keys';
import { generateIdentityKey } from '../../../src/main/protocol';
import { signChallenge } from '../../../src/main/relayClient/signing';
import { fromBase64Url } from '../../../src/shared/wire/encoding';
import { authChallengeBytes } from '../../../src/shared/wire/relay';

beforeAll(async () => {
  await sodium.ready;
});

const newKeys = (): DeviceKeys => new DeviceKeys(generateIdentityKey(), sodium.crypto_sign_keypair().privateKey);
const isZero = (b: Uint8Array): boolean => b.every((x) => x === 0);

/** Whether a challenge signed by `keys.deviceSigner` verifies under the device's public key. */
function signsChallenge(keys: DeviceKeys): boolean {
  const nonce = sodium.randombytes_buf(32);
  const relayKey = sodium.crypto_sign_keypair().publicKey;
  const sig = fromBase64Url(signChallenge(relayKey, 'relay.test', nonce, keys.accountId, keys.deviceSigner))!;
  const msg = authChallengeBytes(relayKey, 'relay.test', nonce, keys.accountPublicKey, keys.identity.publicKey);
  return sodium.crypto_sign_verify_detached(sig, msg, keys.identity.publicKey);
}

describe('the device signer', () => {
  it('hands out the same signer and the same secret buffer on every call', () => {
    const keys = newKeys();
    const a = keys.deviceSigner;
    const b = keys.deviceSigner;
    expect(b).toBe(a);
    expect(b.secretKey).toBe(a.secretKey);
    expect(a.secretKey.buffer).toBe(keys.identity.signingSecretKey.buffer);
    expect(a.secretKey.length).toBe(64);
    expect(signsChallenge(keys)).toBe(true);
    keys.dispose();
  });

  it('zeroes the secret it holds when the keys are disposed', () => {
    const keys = newKeys();
    const signer = keys.deviceSigner;
    expect(isZero(signer.secretKey)).toBe(false);
    keys.dispose();
    expect(isZero(signer.secretKey)).toBe(true);
    expect(isZero(keys.identity.signingSecretKey)).toBe(true);
  });

  it('keeps signing after a phrase rotation drops the old account key, with no new copy of the device secret', () => {
    const old = newKeys();
    const rotated = old.withAccount(sodium.crypto_sign_keypair().privateKey);
    old.disposeAccount();
    expect(rotated.deviceSigner.secretKey).toBe(old.deviceSigner.secretKey);
    expect(isZero(rotated.deviceSigner.secretKey)).toBe(false);
    expect(signsChallenge(rotated)).toBe(true);
    rotated.dispose();
    expect(isZero(old.deviceSigner.secretKey)).toBe(true);
  });

  it('never prints the secret', () => {
    const keys = newKeys();
    const printed = `${JSON.stringify(keys.deviceSigner)} ${inspect(keys.deviceSigner)}`;
    expect(printed).toContain('redacted');
    expect(printed).not.toContain(Buffer.from(keys.deviceSigner.secretKey).toString('hex').slice(0, 16));
    expect(printed).not.toContain(Buffer.from(keys.deviceSigner.secretKey).toString('base64url').slice(0, 16));
    keys.dispose();
  });
});

describe('the account signer', () => {
  it('reads the account key through its Secret: redacted when printed, unusable once the account key is disposed', () => {
    const secret = sodium.crypto_sign_keypair().privateKey;
    const keys = new DeviceKeys(generateIdentityKey(), secret);
    const signer = keys.accountSigner;
    expect(signer.secretKey).toBe(secret);
    const printed = `${JSON.stringify(signer)} ${inspect(signer)}`;
    expect(printed).toContain('redacted');
    expect(printed).not.toContain(Buffer.from(secret).toString('base64url').slice(0, 16));
    keys.disposeAccount();
    expect(isZero(secret)).toBe(true);
    expect(() => signer.secretKey).toThrow('AccountSecretKey was disposed');
    keys.dispose();
  });
});
