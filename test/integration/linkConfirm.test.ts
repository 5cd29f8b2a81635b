/**
 * Linking shows whose account it is (issue 13 §5), through a real relay on
 * loopback and real profiles. The link code is public: whoever sees the QR
 * can answer it. A second account on the same relay that answers first, and
 * a hostile relay that swaps the honest answer for its own, both reach the
 * new desktop with a self-consistent account; what stops them is the short
 * code, which the user compares with the one their own desktop shows and
 * declines when it differs. The honest path shows the same code on both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sodium from 'libsodium-wrappers-sumo';
import { Messenger, profileExists } from '../../src/main/messenger/messenger';
import { startTestRelay } from '../support/relayHarness';
import { startHostileRelay, type HostileRelay } from '../support/hostileRelay';
import { createUser, eventually, profileDir, TEST_PASSPHRASE, TEST_PWHASH, type TestUser } from '../support/chatHarness';
import { CodeComparer } from '../support/linkCheck';
import { decodeLinkCode } from '../../src/shared/wire/linkCode';
import { toBase64Url } from '../../src/shared/wire/encoding';
import { signDeviceList } from '../../src/main/relayClient/signing';
import { sealProvisioning } from '../../src/main/devices/provision';
import { ProvisioningSender } from '../../src/main/devices/provisioningCipher';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let hostile: HostileRelay;
let ann: TestUser;
let mallory: TestUser;
let annBehindHostile: TestUser;

/** Starts linking a fresh desktop; resolves with its code, the user at it, and how linking ended. */
async function newDesktop(relayUrl: string) {
  const dir = profileDir();
  const user = new CodeComparer();
  let code = '';
  const outcome = Messenger.link({ dir, relayUrl, deviceName: 'Kitchen desktop', passphrase: TEST_PASSPHRASE, pwhash: TEST_PWHASH, onCode: (c) => (code = c), confirm: user.confirm }).then(
    (m) => ({ linked: m, error: null }),
    (e: unknown) => ({ linked: null, error: e as { code?: string } }),
  );
  await eventually(() => code);
  return { dir, code, user, outcome };
}

beforeAll(async () => {
  await sodium.ready;
  relay = await startTestRelay();
  hostile = await startHostileRelay(relay.url);
  ann = await createUser('Ann Lindqvist', relay.url);
  // The attacker takes the victim's name: the name alone cannot tell the accounts apart.
  mallory = await createUser('Ann Lindqvist', relay.url);
  annBehindHostile = await createUser('Ann Lindqvist', hostile.url);
});

afterAll(async () => {
  await ann?.messenger.close();
  await mallory?.messenger.close();
  await annBehindHostile?.messenger.close();
  await hostile?.close();
  await relay?.close();
});

describe('linking shows whose account it is', () => {
  it('shows the same account name and short code on both desktops when the user links their own desktop', async () => {
    const d = await newDesktop(relay.url);
    const shown = d.user.saw(ann.messenger.devices.inspectLink(d.code));
    expect(shown.shortCode).toMatch(/^\d{4} \d{4}$/u);
    expect(ann.messenger.devices.inspectLink(d.code).shortCode).toBe(shown.shortCode);
    await ann.messenger.devices.acceptLink(d.code, null);
    const { linked } = await d.outcome;
    expect(d.user.asked).toEqual([{ accountName: 'Ann Lindqvist', accountId: ann.messenger.keys.accountId, shortCode: shown.shortCode }]);
    expect(linked?.keys.accountId).toBe(ann.messenger.keys.accountId);
    await linked?.close();
  });

  it('refuses the account of a second user who saw the QR and answered first: the codes differ, the user declines, nothing is stored', async () => {
    const d = await newDesktop(relay.url);
    // Mallory saw the QR over the user's shoulder and links it from her own desktop first.
    const malloryCode = mallory.messenger.devices.inspectLink(d.code).shortCode;
    await mallory.messenger.devices.acceptLink(d.code, null);
    await eventually(() => d.user.asked.length === 1);
    const annCode = d.user.saw(ann.messenger.devices.inspectLink(d.code)).shortCode;
    // Her answer took the channel: the user's own desktop cannot answer any more.
    await expect(ann.messenger.devices.acceptLink(d.code, null)).rejects.toBeTruthy();
    const { linked, error } = await d.outcome;
    expect(d.user.asked[0]).toMatchObject({ accountName: 'Ann Lindqvist', accountId: mallory.messenger.keys.accountId, shortCode: malloryCode });
    expect(malloryCode).not.toBe(annCode);
    expect(linked).toBeNull();
    expect(error?.code).toBe('CHAT_LINK_DECLINED');
    expect(profileExists(d.dir)).toBe(false);
  });

  it('refuses an account a hostile relay injects in place of the honest answer, although the relay saw the QR and the honest answer', async () => {
    const d = await newDesktop(hostile.url);
    const link = decodeLinkCode(d.code);
    // The relay's own account, which names the new desktop in a correctly signed list.
    const kp = sodium.crypto_sign_keypair();
    const signer = { id: toBase64Url(kp.publicKey), secretKey: kp.privateKey };
    const list = signDeviceList(signer, 1, [{ deviceId: toBase64Url(link.deviceKey), addedAt: Date.now() }]);
    const forged = sealProvisioning(
      link,
      {
        v: 1,
        accountSecretKey: toBase64Url(kp.privateKey),
        displayName: 'Ann Lindqvist',
        relayUrl: hostile.url,
        deviceList: { ...list, devices: list.devices.map((e) => ({ ...e })) },
        devices: [{ deviceId: toBase64Url(link.deviceKey), name: 'Kitchen desktop' }],
        backup: null,
        history: { blobId: 'none', key: toBase64Url(new Uint8Array(32)), digest: toBase64Url(new Uint8Array(32)), size: 0, frames: 1, messages: 0 },
      },
      new ProvisioningSender(),
    );
    let swapped = 0;
    hostile.down = (frame) => {
      if (!frame.includes('"provision"')) return frame;
      const f = JSON.parse(frame) as { type?: string; payload?: string };
      if (f.type !== 'provision') return frame;
      swapped++;
      return JSON.stringify({ ...f, payload: toBase64Url(forged) });
    };
    try {
      d.user.saw(annBehindHostile.messenger.devices.inspectLink(d.code));
      await annBehindHostile.messenger.devices.acceptLink(d.code, null);
      const { linked, error } = await d.outcome;
      expect(swapped).toBe(1);
      expect(d.user.asked).toHaveLength(1);
      expect(d.user.asked[0]).toMatchObject({ accountName: 'Ann Lindqvist', accountId: signer.id });
      expect(linked).toBeNull();
      expect(error?.code).toBe('CHAT_LINK_DECLINED');
      expect(profileExists(d.dir)).toBe(false);
    } finally {
      hostile.down = (f) => f;
    }
  });
});
