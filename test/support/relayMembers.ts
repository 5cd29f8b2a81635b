/**
 * Many relay accounts for large-group tests and bench:group, made
 * in-process: an identity, an account key, a signed device list and the
 * prekeys a bundle needs (signed prekey and last-resort KEM prekey, no
 * one-time keys) published on a real relay. Profiles add them as contacts
 * through the invite path; nobody reads their mailboxes.
 */
import { PREKEY_IDS, toWirePrekey } from '../../src/main/account/keys';
import type { Messenger } from '../../src/main/messenger/messenger';
import { generateIdentityKey, generateLastResortKemPreKey, generateSignedPreKey } from '../../src/main/protocol';
import { RelayClient } from '../../src/main/relayClient/client';
import { generateSigningKey, signDeviceList } from '../../src/main/relayClient/signing';
import { fromBase64Url, toBase64Url } from '../../src/shared/wire/encoding';
import { encodeInvite } from '../../src/shared/wire/invite';

const PARALLEL = 25;

/** One account with one device, published on the relay; returns its account id. */
async function relayAccount(relayUrl: string): Promise<string> {
  const identity = generateIdentityKey();
  const account = await generateSigningKey();
  const device = { id: toBase64Url(identity.publicKey), secretKey: identity.signingSecretKey };
  const client = await RelayClient.connect(relayUrl);
  await client.authenticate(account.id, device, signDeviceList(account, 1, [{ deviceId: device.id, addedAt: Date.now() }], device));
  const spk = generateSignedPreKey(identity, PREKEY_IDS.signed);
  const kem = generateLastResortKemPreKey(identity, PREKEY_IDS.lastResortKem);
  await client.uploadPrekeys({ signedPrekey: toWirePrekey(spk), lastResortKem: toWirePrekey(kem) });
  await client.close();
  return account.id;
}

/** `n` accounts published on the relay, 25 at a time. */
export async function relayAccounts(relayUrl: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i += PARALLEL) out.push(...(await Promise.all(Array.from({ length: Math.min(PARALLEL, n - i) }, () => relayAccount(relayUrl)))));
  return out;
}

/** Adds the accounts as contacts of `m` through the invite path, 25 at a time, named by `name(i)`. */
export async function addAsContacts(m: Messenger, relayUrl: string, accounts: readonly string[], name: (i: number) => string): Promise<void> {
  for (let i = 0; i < accounts.length; i += PARALLEL) {
    await Promise.all(accounts.slice(i, i + PARALLEL).map((id, k) => m.contacts.add(encodeInvite({ accountKey: fromBase64Url(id)!, relayUrl, relayKey: null }), name(i + k))));
  }
}
