/**
 * Hosts the built renderer in Chromium and connects `window.parley` to the
 * real main-process dispatcher and handler table running in this process.
 *
 * The init script below builds `window.parley` exactly as src/preload does:
 * one named function per contract call (`request ?? {}` forwarded), one
 * `onX` subscriber per event, frozen. Only the transport differs: a
 * Playwright binding instead of ipcRenderer.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CALL_NAMES, EVENT_NAMES, subscriberName, type EventName, type EventPayload } from '../../src/shared/contract';
import { PRODUCTION_CSP } from '../../src/shared/csp';
import type { Core } from '../../src/main/app/core';
import { createDispatcher } from '../../src/main/ipc/dispatch';
import { createHandlers } from '../../src/main/ipc/handlers';
import { mimeType, resolveAppPath } from '../../src/main/security/appProtocol';
import { rendererOut, screenshotsDir } from './paths';
import { SAYS_YES, ScriptedConfirmer } from './scriptedConfirmer';

/** The origin the renderer is served from in tests (the shell uses app://parley). */
export const TEST_APP_ORIGIN = 'https://parley.test';
/** A foreign origin, for tests that call the bridge from somewhere else. */
export const FOREIGN_ORIGIN = 'https://elsewhere.test';

export interface AppWindow {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Page errors and console errors seen so far. */
  readonly errors: string[];
  /** Every call the page made (one IPC round trip each), by name, in order; a test may empty it. */
  readonly calls: string[];
  /** Every main → renderer event delivered from the core, with its payload size in bytes as JSON; a test may empty it. */
  readonly events: { readonly name: EventName; readonly bytes: number }[];
  /** The user at main's confirmation dialogs (phrase, link, revoke): says yes with the test passphrase unless a test scripts otherwise. */
  readonly confirmer: ScriptedConfirmer;
  screenshot(name: string): Promise<string>;
  /** Delivers a main → renderer event as main would (for tests that need a state on screen that passes too fast to see). */
  deliver<K extends EventName>(name: K, payload: EventPayload<K>): Promise<void>;
  close(): Promise<void>;
}

function preloadShim(spec: { calls: string[]; events: { name: string; subscriber: string }[] }): void {
  const w = window as unknown as Record<string, unknown>;
  const invoke = w['__parleyInvoke'] as (name: string, payload: unknown) => Promise<unknown>;
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const api: Record<string, unknown> = {};
  for (const name of spec.calls) {
    api[name] = (request?: unknown) => invoke(name, request ?? {});
  }
  for (const { name, subscriber } of spec.events) {
    api[subscriber] = (listener: unknown) => {
      if (typeof listener !== 'function') throw new TypeError(`${subscriber} needs a function`);
      const set = listeners.get(name) ?? new Set();
      listeners.set(name, set);
      const handler = (p: unknown) => (listener as (p: unknown) => void)(p);
      set.add(handler);
      return () => {
        set.delete(handler);
      };
    };
  }
  Object.defineProperty(window, 'parley', { value: Object.freeze(api), enumerable: true });
  // Test-host hook for main → renderer events; not part of window.parley.
  Object.defineProperty(window, '__parleyDeliver', {
    value: (name: string, payload: unknown) => listeners.get(name)?.forEach((l) => l(payload)),
  });
}

export async function openApp(
  browser: Browser,
  core: Core,
  options: {
    colorScheme?: 'light' | 'dark';
    viewport?: { width: number; height: number };
    /** Awaited before each call is dispatched: lets a test hold a call in flight (to see the screen while it runs). */
    beforeCall?: (name: string) => Promise<void> | undefined;
    /** The user at main's confirmation dialogs (default: says yes with the test passphrase). */
    confirmer?: ScriptedConfirmer;
  } = {},
): Promise<AppWindow> {
  const context = await browser.newContext({
    colorScheme: options.colorScheme ?? 'light',
    viewport: options.viewport ?? { width: 1120, height: 760 },
  });
  const errors: string[] = [];
  const calls: string[] = [];
  const events: { name: EventName; bytes: number }[] = [];
  const confirmer = options.confirmer ?? new ScriptedConfirmer(SAYS_YES);
  const dispatch = createDispatcher(createHandlers(core, confirmer), { trustedOrigin: TEST_APP_ORIGIN });

  // Nothing leaves the machine: everything not served below is aborted.
  await context.route('**/*', (route) => route.abort());
  await context.route(`${TEST_APP_ORIGIN}/**`, (route) => {
    const file = resolveAppPath(rendererOut, route.request().url(), TEST_APP_ORIGIN);
    if (file === null) return route.fulfill({ status: 404, body: 'Not found' });
    try {
      return route.fulfill({
        status: 200,
        body: readFileSync(file),
        headers: { 'content-type': mimeType(file), 'content-security-policy': PRODUCTION_CSP },
      });
    } catch {
      return route.fulfill({ status: 404, body: 'Not found' });
    }
  });
  await context.route(`${FOREIGN_ORIGIN}/**`, (route) =>
    route.fulfill({
      status: 200,
      contentType: 'text/html',
      body: '<!doctype html><title>Elsewhere</title><iframe src="/frame.html"></iframe>',
    }),
  );

  await context.exposeBinding('__parleyInvoke', async (source, name: string, payload: unknown) => {
    calls.push(name);
    await options.beforeCall?.(name);
    return dispatch(name, payload, { url: source.frame.url(), isMainFrame: source.frame === source.page.mainFrame() });
  });
  await context.addInitScript(preloadShim, {
    calls: [...CALL_NAMES],
    events: EVENT_NAMES.map((name) => ({ name, subscriber: subscriberName(name) })),
  });

  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  const deliver = (name: string, payload: unknown) =>
    page.evaluate(([n, p]) => (window as unknown as { __parleyDeliver(n: string, p: unknown): void }).__parleyDeliver(n, p), [name, payload] as const);
  const unsubscribe = core.events.subscribe((name, payload) => {
    events.push({ name, bytes: JSON.stringify(payload).length });
    void deliver(name, payload).catch(() => {});
  });
  await page.goto(`${TEST_APP_ORIGIN}/index.html`);

  return {
    page,
    context,
    errors,
    calls,
    events,
    confirmer,
    async screenshot(name: string) {
      mkdirSync(screenshotsDir, { recursive: true });
      const file = path.join(screenshotsDir, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async deliver(name, payload) {
      await deliver(name, payload);
    },
    async close() {
      unsubscribe();
      await context.close();
    },
  };
}
