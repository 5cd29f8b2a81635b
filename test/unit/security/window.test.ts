/**
 * Runs the shell's real window code (src/main/shell/window.ts) against an
 * `electron` module that records what it is asked to do, as
 * test/unit/preload.test.ts does for the preload: this machine has no
 * Electron binary, and what matters here is the options the shell passes.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';

type Listener = (...args: unknown[]) => void;

interface RecordedContents {
  listeners: Map<string, Listener[]>;
  openHandler: (() => { action: string }) | null;
  closedDevTools: number;
}

const electron = vi.hoisted(() => {
  const state = {
    isPackaged: true,
    windows: [] as { options: Record<string, unknown>; url: string | null; contents: RecordedContents }[],
  };
  function makeContents(): RecordedContents & Record<string, unknown> {
    const contents: RecordedContents & Record<string, unknown> = {
      listeners: new Map<string, Listener[]>(),
      openHandler: null,
      closedDevTools: 0,
      on(event: string, fn: Listener) {
        contents.listeners.set(event, [...(contents.listeners.get(event) ?? []), fn]);
      },
      setWindowOpenHandler(fn: () => { action: string }) {
        contents.openHandler = fn;
      },
      closeDevTools() {
        contents.closedDevTools += 1;
      },
    };
    return contents;
  }
  class BrowserWindow {
    readonly webContents = makeContents();
    private readonly record: (typeof state.windows)[number];
    constructor(options: Record<string, unknown>) {
      this.record = { options, url: null, contents: this.webContents };
      state.windows.push(this.record);
    }
    once(): void {}
    show(): void {}
    loadURL(url: string): Promise<void> {
      this.record.url = url;
      return Promise.resolve();
    }
  }
  const ses = {
    setPermissionRequestHandler: () => {},
    setPermissionCheckHandler: () => {},
    setDevicePermissionHandler: () => {},
    webRequest: { onBeforeRequest: () => {} },
  };
  return {
    state,
    makeContents,
    module: {
      app: {
        get isPackaged() {
          return state.isPackaged;
        },
      },
      BrowserWindow,
      session: { fromPartition: () => ses },
    },
  };
});

vi.mock('electron', () => electron.module);

const { createMainWindow, hardenContents, WINDOW_PARTITION } = await import('../../../src/main/shell/window');

function open(isPackaged: boolean) {
  electron.state.isPackaged = isPackaged;
  createMainWindow({ preload: '/app/out/preload/index.cjs', icon: '/app/icon.png', appOrigin: 'app://parley', startUrl: 'app://parley/index.html' });
  const win = electron.state.windows.at(-1)!;
  return { ...win, prefs: win.options['webPreferences'] as Record<string, unknown> };
}

function emit(contents: RecordedContents, event: string, ...args: unknown[]): void {
  for (const fn of contents.listeners.get(event) ?? []) fn(...args);
}

describe('the app window', () => {
  beforeEach(() => {
    electron.state.windows.length = 0;
  });

  it('turns DevTools off and disables middle-click (Auxclick) in a packaged build', () => {
    const win = open(true);
    expect(win.prefs['devTools']).toBe(false);
    expect(String(win.prefs['disableBlinkFeatures']).split(',')).toContain('Auxclick');
  });

  it('keeps DevTools for an unpackaged run, still without Auxclick', () => {
    const win = open(false);
    expect(win.prefs['devTools']).toBe(true);
    expect(String(win.prefs['disableBlinkFeatures']).split(',')).toContain('Auxclick');
  });

  it('is sandboxed and context-isolated, with no Node and an in-memory session', () => {
    const { prefs, url } = open(true);
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      partition: WINDOW_PARTITION,
    });
    expect(WINDOW_PARTITION.startsWith('persist:')).toBe(false);
    expect(url).toBe('app://parley/index.html');
  });

  it('closes DevTools again if anything opens them in a packaged build', () => {
    const { contents } = open(true);
    emit(contents, 'devtools-opened');
    expect(contents.closedDevTools).toBe(1);
  });

  it('leaves DevTools alone in an unpackaged run', () => {
    const { contents } = open(false);
    emit(contents, 'devtools-opened');
    expect(contents.closedDevTools).toBe(0);
  });

  it('guards any other web contents too: no popups, no navigation away, no webviews', () => {
    electron.state.isPackaged = true;
    const contents = electron.makeContents();
    hardenContents(contents as never, 'app://parley');
    expect(contents.openHandler?.()).toEqual({ action: 'deny' });
    const prevented: string[] = [];
    const event = (name: string) => ({ preventDefault: () => prevented.push(name) });
    emit(contents, 'will-navigate', event('away'), 'https://evil.example/');
    emit(contents, 'will-navigate', event('reload'), 'app://parley/index.html');
    emit(contents, 'will-attach-webview', event('webview'));
    expect(prevented).toEqual(['away', 'webview']);
    emit(contents, 'devtools-opened');
    expect(contents.closedDevTools).toBe(1);
  });
});
