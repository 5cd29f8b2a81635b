/**
 * Two conflicting key changes in the real UI (issue 13 §1): whoever else
 * holds Ann's old account key (here a linked desktop playing the thief)
 * gets a change to a key it chose to Ben first; Ann's real change arrives
 * second. Ben's conversation shows both safety numbers, sending stays
 * blocked, and it moves on only to the one Ben keeps after comparing.
 */
import sodium from 'libsodium-wrappers-sumo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Core } from '../../src/main/app/core';
import type { Messenger } from '../../src/main/messenger/messenger';
import { signKeyChange } from '../../src/main/account/rotation';
import { toBase64Url } from '../../src/shared/wire/encoding';
import { launchChromium } from '../support/browser';
import { openApp, type AppWindow } from '../support/uiHarness';
import { startTestRelay } from '../support/relayHarness';
import { eventually } from '../support/chatHarness';
import { linkDesktop } from '../support/linkCheck';
import { addContactFromQr, bubble, composer, onboard, send, TestCores } from '../support/uiFlows';

const ANN = 'Annika Strand';
const BEN = 'Bastian Ekwueme';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let browser: Browser;
let cores: TestCores;
let annCore: Core;
let benCore: Core;
let ann: AppWindow;
let ben: AppWindow;
let thief: Messenger;

beforeAll(async () => {
  await sodium.ready;
  relay = await startTestRelay();
  cores = new TestCores(relay.url);
  browser = await launchChromium();
  annCore = cores.create();
  benCore = cores.create();
  ann = await openApp(browser, annCore);
  ben = await openApp(browser, benCore);
});

afterAll(async () => {
  await thief?.close();
  await ann?.close();
  await ben?.close();
  await cores?.closeAll();
  await browser?.close();
  await relay?.close();
});

describe('two conflicting key changes in the conversation', () => {
  it('shows both safety numbers, blocks sending, and keeps only the one Ben picks', async () => {
    await onboard(ann, ANN, '');
    await onboard(ben, BEN, '');
    await addContactFromQr(ben, BEN, ann, ANN);
    const annM = annCore.session.require();
    const benM = benCore.session.require();
    const oldAnnId = annM.keys.accountId;
    thief = await linkDesktop(annM, relay.url, 'Stolen laptop');
    await eventually(() => benM.store.db.prepare('SELECT count(*) FROM contact_devices WHERE account_id = ?').pluck().get(oldAnnId) === 2, 20_000);

    const chosen = toBase64Url(sodium.crypto_sign_keypair().publicKey);
    const signature = signKeyChange(thief.keys.accountSigner.secretKey, sodium.from_base64(chosen, sodium.base64_variants.URLSAFE_NO_PADDING));
    await thief.conversations.send(benM.keys.accountId, { v: 1, type: 'accountKeyChange', sentAt: Date.now(), newAccountId: chosen, signature });
    await eventually(() => benM.contacts.get(oldAnnId).pendingAccountId === chosen, 20_000);
    await annM.devices.rotatePhrase();
    const newAnnId = annM.keys.accountId;
    await eventually(() => benM.contacts.get(oldAnnId).conflictAccountId === newAnnId, 20_000);

    const p = ben.page;
    await p.getByRole('button', { name: new RegExp(ANN) }).click();
    const warning = p.getByRole('alert', { name: 'Conflicting safety numbers' });
    await warning.getByText(`Two different new safety numbers arrived for ${ANN}.`).waitFor();
    const real = annM.contacts.safetyNumber(benM.keys.accountId).groups.join(' ');
    await expect.poll(() => warning.getByRole('group', { name: 'Safety number B' }).innerText().then((t) => t.split(/\s+/u).join(' '))).toBe(real);
    expect(await p.getByRole('button', { name: 'Accept new safety number' }).count()).toBe(0);
    expect(await composer(p).isDisabled()).toBe(true);
    await ben.screenshot('conflict-warning');

    await warning.getByRole('button', { name: `${ANN} shows B: keep it` }).click();
    await warning.waitFor({ state: 'detached' });
    await p.getByRole('button', { name: new RegExp(ANN) }).click();
    await expect.poll(() => composer(p).isDisabled()).toBe(false);
    expect(benM.contacts.get(newAnnId)).toMatchObject({ pendingAccountId: null, conflictAccountId: null });
    await send(p, 'Kept the number you showed me');
    await bubble(p, 'Kept the number you showed me').waitFor();
    await eventually(() => annM.conversations.history(benM.keys.accountId, 10).some((m) => m.body === 'Kept the number you showed me'), 20_000);
    await ben.screenshot('conflict-resolved');
    expect(ben.errors).toEqual([]);
  });
});
