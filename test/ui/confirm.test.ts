/**
 * A compromised renderer cannot run key operations alone (issue 13 §4).
 * The page calls `window.parley.*` directly, as injected script would,
 * against the real handler table, a real relay on loopback and real
 * encrypted stores. The scripted confirmer is the user at main's dialog:
 * while it says no (or types a wrong passphrase) nothing happens, no phrase
 * is returned, no link is sent, no device is revoked; once it says yes
 * with the passphrase, the same calls work. "Remove and secure" is guarded
 * the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Core } from '../../src/main/app/core';
import { launchChromium } from '../support/browser';
import { openApp, type AppWindow } from '../support/uiHarness';
import { startTestRelay } from '../support/relayHarness';
import { eventually, TEST_PASSPHRASE } from '../support/chatHarness';
import { SAYS_NO, SAYS_YES, ScriptedConfirmer } from '../support/scriptedConfirmer';
import { confirmShownPhrase, onboard, TestCores } from '../support/uiFlows';

const ANN = 'Annika Strand';
const INTRUDER = 'Intruder laptop';

let relay: Awaited<ReturnType<typeof startTestRelay>>;
let browser: Browser;
let cores: TestCores;
let ann: AppWindow;
let annCore: Core;
let newCore: Core;
const user = new ScriptedConfirmer(SAYS_NO);

const accountOf = (core: Core) => core.session.require().keys.accountId;
const devicesOf = (core: Core) => core.session.require().devices.list().map((d) => d.name);

/** A call made by script in the page, the way a compromised renderer would: straight to window.parley. */
async function fromPage(name: string, request: unknown = {}): Promise<Record<string, unknown>> {
  return ann.page.evaluate(
    ([n, r]) => (window as unknown as { parley: Record<string, (r: unknown) => Promise<Record<string, unknown>>> }).parley[n]!(r),
    [name, request] as const,
  );
}

/** A refusal carries a code and a sentence, nothing else (no words, no link result). */
function expectRefused(r: Record<string, unknown>, code = 'APP_NOT_CONFIRMED'): void {
  expect(r).toEqual({ ok: false, code, message: expect.any(String) });
}

beforeAll(async () => {
  relay = await startTestRelay();
  cores = new TestCores(relay.url);
  browser = await launchChromium();
  annCore = cores.create();
  newCore = cores.create();
  ann = await openApp(browser, annCore, { confirmer: user });
});

afterAll(async () => {
  await ann?.close();
  await cores?.closeAll();
  await browser?.close();
  await relay?.close();
});

describe('key operations need main’s confirmation', () => {
  it('does not rotate or hand out the recovery phrase without the user’s yes and passphrase', async () => {
    await onboard(ann, ANN, '');
    const account = accountOf(annCore);

    expectRefused(await fromPage('rotateRecoveryPhrase'));
    expect(user.asked).toEqual([expect.objectContaining({ kind: 'phrase.rotate', requirePassphrase: true })]);
    user.next({ confirmed: true, passphrase: 'not the passphrase' });
    expectRefused(await fromPage('rotateRecoveryPhrase'));
    expect(accountOf(annCore)).toBe(account);
    expect(annCore.session.require().account.pendingPhrase()).toBeNull();

    user.next(SAYS_YES);
    const rotated = await fromPage('rotateRecoveryPhrase');
    expect(rotated).toMatchObject({ ok: true, value: { phrase: expect.any(Array) } });
    const words = (rotated['value'] as { phrase: string[] }).phrase;
    expect(words).toHaveLength(24);
    expect(accountOf(annCore)).not.toBe(account);

    // The new phrase is pending; asking for it again is guarded the same way.
    const asked = user.asked.length;
    expectRefused(await fromPage('getPendingRecoveryPhrase'));
    expect(user.asked.slice(asked)).toEqual([expect.objectContaining({ kind: 'phrase.show' })]);

    const p = ann.page;
    await p.getByRole('heading', { name: 'Write down your recovery phrase' }).waitFor();
    user.next(SAYS_YES);
    await p.getByRole('button', { name: 'Show my recovery phrase' }).click();
    expect(await confirmShownPhrase(ann, 'confirm-phrase-shown')).toEqual(words);

    const log = await fromPage('auditLog', { limit: 20 });
    const rows = (log['value'] as { items: { kind: string; detail: Record<string, unknown> }[] }).items;
    expect(rows.filter((r) => r.kind.startsWith('key_operation.')).map((r) => [r.kind, r.detail['reason'] ?? null])).toEqual([
      ['key_operation.confirmed', null],
      ['key_operation.refused', 'declined'],
      ['key_operation.confirmed', null],
      ['key_operation.refused', 'wrong-passphrase'],
      ['key_operation.refused', 'declined'],
    ]);
  });

  it('does not link a device without the user’s yes: the new desktop never receives the account', async () => {
    const { link } = await newCore.session.startLink({ deviceName: INTRUDER, passphrase: TEST_PASSPHRASE, useKeychain: false });
    expectRefused(await fromPage('acceptLink', { link, historyDays: null }));
    expect(user.asked.at(-1)).toMatchObject({ kind: 'link.accept', title: `Link “${INTRUDER}” to your account?` });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(newCore.session.status().status).toBe('new');
    expect(devicesOf(annCore)).toHaveLength(1);

    // The same single-use link code still works once the user confirms: the refused call sent nothing on it.
    user.next(SAYS_YES);
    // The person at the new desktop links only if its code is the one this desktop shows (issue 13 §5).
    const shown = annCore.session.require().devices.inspectLink(link).shortCode;
    const stop = newCore.events.subscribe((name, payload) => {
      if (name === 'linkCheck') newCore.session.answerLink((payload as { shortCode: string }).shortCode === shown);
    });
    expect(await fromPage('acceptLink', { link, historyDays: null })).toMatchObject({ ok: true, value: { name: INTRUDER } });
    await eventually(() => newCore.session.status().status === 'unlocked', 30_000);
    expect(accountOf(newCore)).toBe(accountOf(annCore));
    stop();
  });

  it('does not revoke a device without the user’s yes, and refuses a second question while one is open', async () => {
    const deviceId = newCore.session.require().keys.deviceId;
    expectRefused(await fromPage('revokeDevice', { deviceId }));
    expect(user.asked.at(-1)).toMatchObject({ kind: 'device.revoke', title: `Revoke “${INTRUDER}”?` });
    expect(devicesOf(annCore)).toContain(INTRUDER);
    expect(newCore.session.status().status).toBe('unlocked');

    const before = user.asked.length;
    const release = user.next(SAYS_YES).hold();
    const first = fromPage('revokeDevice', { deviceId });
    await eventually(() => user.asked.length === before + 1);
    expectRefused(await fromPage('getPendingRecoveryPhrase'), 'APP_PHRASE_CONFIRMED');
    const asked = user.asked.length;
    expectRefused(await fromPage('rotateRecoveryPhrase'), 'APP_CONFIRM_BUSY');
    expect(user.asked).toHaveLength(asked);
    release();
    expect(await first).toEqual({ ok: true, value: {} });
    expect(devicesOf(annCore)).not.toContain(INTRUDER);
    expect(ann.errors).toEqual([]);
  });

  it('does not secure the account without the user’s yes; with it, the old key is retired on the relay and the new phrase shown once', async () => {
    const account = accountOf(annCore);
    expectRefused(await fromPage('secureAccount'));
    expect(user.asked.at(-1)).toMatchObject({ kind: 'account.secure', title: 'Secure your account?', requirePassphrase: true });
    expect(accountOf(annCore)).toBe(account);
    expect(await relay.context.store.supersededBy(account)).toBeNull();

    user.next(SAYS_YES);
    const secured = await fromPage('secureAccount');
    expect(secured).toMatchObject({ ok: true, value: { phrase: expect.any(Array), secured: true } });
    const next = accountOf(annCore);
    expect(next).not.toBe(account);
    expect(await relay.context.store.supersededBy(account)).toBe(next);
    const words = (secured['value'] as { phrase: string[] }).phrase;
    await ann.page.getByRole('heading', { name: 'Write down your recovery phrase' }).waitFor();
    user.next(SAYS_YES);
    await ann.page.getByRole('button', { name: 'Show my recovery phrase' }).click();
    expect(await confirmShownPhrase(ann, 'confirm-secure-phrase')).toEqual(words);
    expect(ann.errors).toEqual([]);
  });
});
