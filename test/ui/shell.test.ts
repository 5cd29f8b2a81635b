import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sodium from 'libsodium-wrappers-sumo';
import type { Browser } from 'playwright-core';
import { createCore, type Core } from '../../src/main/app/core';
import { BRIDGE_KEYS } from '../../src/shared/contract';
import { launchChromium } from '../support/browser';
import { FOREIGN_ORIGIN, openApp, type AppWindow } from '../support/uiHarness';
import { repoRoot } from '../support/paths';

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };

describe('the app shell in Chromium', () => {
  let browser: Browser;
  let core: Core;
  let app: AppWindow;

  beforeAll(async () => {
    await sodium.ready;
    browser = await launchChromium();
    core = createCore({
      identity: { name: 'Parley', version: pkg.version, platform: 'linux' },
      relayUrl: 'ws://127.0.0.1:8787',
      dataDir: mkdtempSync(path.join(os.tmpdir(), 'parley-ui-')),
    });
    app = await openApp(browser, core);
  });

  afterAll(async () => {
    await app?.close();
    await core?.close();
    await browser?.close();
  });

  it('shows the build details that main reads from the live crypto library', async () => {
    const about = app.page.getByRole('region', { name: 'About this build' });
    await expect.poll(() => about.textContent()).toContain(`libsodium ${sodium.sodium_version_string()}`);
    const text = await about.textContent();
    expect(text).toContain(pkg.version);
    expect(text).toContain('ML-KEM-768');
    expect(text).toContain('XChaCha20-Poly1305');
    await expect.poll(() => app.page.getByRole('heading', { name: 'Parley' }).isVisible()).toBe(true);
    await app.screenshot('shell-welcome-light');
  });

  it('exposes exactly the contract on window.parley and no Node or Electron object', async () => {
    const seen = await app.page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      return {
        keys: Object.keys(w['parley'] as object),
        frozen: Object.isFrozen(w['parley']),
        allFunctions: Object.values(w['parley'] as object).every((v) => typeof v === 'function'),
        globals: ['require', 'process', 'module', 'exports', 'Buffer', 'global', 'ipcRenderer', 'electron', '__dirname'].filter(
          (name) => name in w,
        ),
      };
    });
    expect(seen.keys).toEqual([...BRIDGE_KEYS]);
    expect(seen.frozen).toBe(true);
    expect(seen.allFunctions).toBe(true);
    expect(seen.globals).toEqual([]);
  });

  it('shows connection changes that main pushes as events', async () => {
    const badge = app.page.getByRole('status', { name: 'Relay connection' });
    await expect.poll(() => badge.textContent()).toContain('Offline');
    core.connection.set({ state: 'connecting', relay: 'ws://127.0.0.1:8787', retryInMs: null });
    await expect.poll(() => badge.textContent()).toContain('Connecting…');
    core.connection.set({ state: 'online', relay: 'ws://127.0.0.1:8787', retryInMs: null });
    await expect.poll(() => badge.textContent()).toContain('Connected');
    await app.screenshot('shell-connected');
  });

  it('answers a malformed payload from the renderer with a typed error and keeps serving', async () => {
    const bad = await app.page.evaluate(() =>
      (window as unknown as { parley: { getAppInfo(r: unknown): Promise<unknown> } }).parley.getAppInfo({ extra: 1 }),
    );
    expect(bad).toMatchObject({ ok: false, code: 'IPC_BAD_REQUEST' });
    expect(JSON.stringify(bad)).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    const good = await app.page.evaluate(() =>
      (window as unknown as { parley: { getAppInfo(): Promise<{ ok: boolean }> } }).parley.getAppInfo(),
    );
    expect(good.ok).toBe(true);
  });

  it('refuses calls from a foreign page and from a frame inside it', async () => {
    const page = await app.context.newPage();
    await page.goto(`${FOREIGN_ORIGIN}/`);
    const top = await page.evaluate(() =>
      (window as unknown as { parley: { getAppInfo(): Promise<unknown> } }).parley.getAppInfo(),
    );
    expect(top).toMatchObject({ ok: false, code: 'IPC_FORBIDDEN_SENDER' });
    const frame = page.frames().find((f) => f !== page.mainFrame());
    expect(frame).toBeDefined();
    const inner = await frame!.evaluate(() =>
      (window as unknown as { parley: { getAppInfo(): Promise<unknown> } }).parley.getAppInfo(),
    );
    expect(inner).toMatchObject({ ok: false, code: 'IPC_FORBIDDEN_SENDER' });
    await page.close();
  });

  it('follows a dark OS theme', async () => {
    const dark = await openApp(browser, core, { colorScheme: 'dark' });
    try {
      await expect.poll(() => dark.page.getByRole('region', { name: 'About this build' }).textContent()).toContain('libsodium');
      const bg = await dark.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(bg).toBe('rgb(18, 20, 26)');
      await dark.screenshot('shell-welcome-dark');
      expect(dark.errors).toEqual([]);
    } finally {
      await dark.close();
    }
  });

  it('loads with no CSP violation or page error', () => {
    expect(app.errors).toEqual([]);
  });
});
