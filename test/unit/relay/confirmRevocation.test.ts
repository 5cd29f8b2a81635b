import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';
import { confirmRevocation, generateSigningKey, signDeviceList, type SigningKey } from '../../../src/main/relayClient/signing';
import { publicKeyFromId, type SignedDeviceList } from '../../../src/shared/wire/deviceList';
import { toBase64Url } from '../../../src/shared/wire/encoding';

let account: SigningKey;
let accountKey: Uint8Array;
let kept: SigningKey;
let revoked: SigningKey;
/** Version 5 of the account's list, without `revoked`; the device last verified version 4. */
let proof: SignedDeviceList;

beforeAll(async () => {
  await sodium.ready;
  account = await generateSigningKey();
  accountKey = publicKeyFromId(account.id)!;
  kept = await generateSigningKey();
  revoked = await generateSigningKey();
  proof = signDeviceList(account, 5, [{ deviceId: kept.id, addedAt: 1 }]);
});

describe('confirmRevocation', () => {
  it('accepts a newer list signed by the account key that lacks the device', () => {
    expect(confirmRevocation(proof, accountKey, revoked.id, 4)).toBe(true);
    expect(confirmRevocation(JSON.parse(JSON.stringify(proof)), accountKey, revoked.id, 0)).toBe(true);
  });

  it('refuses a list that is not newer than the one the device knows (rollback or replay)', () => {
    expect(confirmRevocation(proof, accountKey, revoked.id, 5)).toBe(false);
    expect(confirmRevocation(proof, accountKey, revoked.id, 6)).toBe(false);
  });

  it('refuses a list that still contains the device', () => {
    const still = signDeviceList(account, 6, [{ deviceId: kept.id, addedAt: 1 }, { deviceId: revoked.id, addedAt: 2 }]);
    expect(confirmRevocation(still, accountKey, revoked.id, 4)).toBe(false);
  });

  it('refuses forged lists: another key relabeled as the account, another account, or an altered list', async () => {
    const mallory = await generateSigningKey();
    const relabeled = { ...signDeviceList(mallory, 9, [{ deviceId: kept.id, addedAt: 1 }]), accountId: account.id };
    expect(confirmRevocation(relabeled, accountKey, revoked.id, 4)).toBe(false);
    const own = signDeviceList(mallory, 9, [{ deviceId: kept.id, addedAt: 1 }]);
    expect(confirmRevocation(own, accountKey, revoked.id, 4)).toBe(false);
    expect(confirmRevocation(own, publicKeyFromId(mallory.id)!, revoked.id, 4)).toBe(true); // valid, but only for mallory's own account
    expect(confirmRevocation({ ...proof, version: 6 }, accountKey, revoked.id, 4)).toBe(false);
    const other = await generateSigningKey();
    expect(confirmRevocation({ ...proof, devices: [{ deviceId: other.id, addedAt: 1 }] }, accountKey, revoked.id, 4)).toBe(false);
  });

  it('refuses unsigned or malformed input without throwing', () => {
    const unsigned: unknown[] = [
      { ...proof, signature: '' },
      { ...proof, signature: toBase64Url(new Uint8Array(64)) },
      { ...proof, signature: undefined },
      { accountId: proof.accountId, version: proof.version, devices: proof.devices },
    ];
    const malformed: unknown[] = [null, undefined, 'list', 42, {}, { ...proof, devices: 'x' }, { ...proof, devices: [] }, { ...proof, extra: 1 }, { ...proof, version: 2 ** 40 }];
    for (const bad of [...unsigned, ...malformed]) expect(confirmRevocation(bad, accountKey, revoked.id, 0)).toBe(false);
    expect(confirmRevocation(proof, accountKey.slice(0, 31), revoked.id, 0)).toBe(false);
  });
});
