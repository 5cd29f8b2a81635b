/**
 * The Electron entry point: the thin shell around the Node core. This folder
 * and the preload are the only code that imports `electron`.
 */
import { app, BrowserWindow, Menu, type MenuItemConstructorOptions } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCore } from '../app/core';
import { createDispatcher } from '../ipc/dispatch';
import { createHandlers } from '../ipc/handlers';
import { APP_ORIGIN, originOf, rendererDevUrl, sqliteBindingOverride } from '../security/policy';
import { packagedMenuTemplate, type MenuEntry } from '../security/menu';
import { createMainWindow, hardenContents } from './window';
import { bindIpc, forwardEvents } from './ipc';
import { registerAppScheme, serveRenderer } from './protocol';
import { ensureLocalRelay } from './embeddedRelay';
import { electronKeychain } from './safeStorage';
import { electronNotifier } from './notifier';
import { electronConfirmer } from './confirmer';
import { DEFAULT_RELAY_URL } from '../../shared/constants';

const here = path.dirname(fileURLToPath(import.meta.url));
// Only `electron-vite dev` of an unpackaged app may point the window at a dev server.
const devUrl = rendererDevUrl({ isPackaged: app.isPackaged, env: process.env });
const appOrigin = devUrl ? (originOf(devUrl) ?? APP_ORIGIN) : APP_ORIGIN;

// Crash dumps could hold plaintext from memory: Parley writes none.
app.commandLine.appendSwitch('disable-crash-reporter');
app.commandLine.appendSwitch('disable-breakpad');

registerAppScheme();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('web-contents-created', (_event, contents) => hardenContents(contents, appOrigin));

  void app.whenReady().then(async () => {
    // Electron's default menu has Toggle Developer Tools; a packaged build gets one without it.
    if (app.isPackaged) Menu.setApplicationMenu(Menu.buildFromTemplate(packagedMenuTemplate(process.platform).map(toMenuItem)));
    const configuredRelay = process.env['PARLEY_RELAY_URL'];
    const relayUrl = configuredRelay ?? DEFAULT_RELAY_URL;
    const userData = app.getPath('userData');
    const embedded = configuredRelay ? null : await ensureLocalRelay(relayUrl, path.join(userData, 'relay')).catch(() => null);
    const core = createCore({
      identity: { name: 'Parley', version: app.getVersion(), platform: process.platform },
      relayUrl,
      dataDir: path.join(userData, 'profile'),
      exportsDir: path.join(app.getPath('documents'), 'Parley exports'),
      keychain: electronKeychain(),
      nativeBinding: sqliteBindingOverride({ isPackaged: app.isPackaged, env: process.env }),
      notifier: electronNotifier(() => BrowserWindow.getAllWindows()[0]?.focus()),
    });
    await core.session.unlockWithKeychain().catch(() => false);
    // The window confirmations belong to (the prompt is modal to it).
    let appWindow: BrowserWindow | undefined;
    const dispatch = createDispatcher(createHandlers(core, electronConfirmer(() => appWindow)), {
      trustedOrigin: appOrigin,
      onInternalError: (call, error) => {
        // Names and codes only: never payloads.
        const code = error instanceof Error ? error.name : typeof error;
        console.error(`[parley] internal error in ${call}: ${code}`);
      },
    });
    bindIpc(dispatch);
    if (!devUrl) serveRenderer(path.join(here, '../renderer'));

    const open = () => {
      const win = createMainWindow({
        preload: path.join(here, '../preload/index.cjs'),
        icon: path.join(here, '../../resources/icon.png'),
        appOrigin,
        startUrl: devUrl ?? `${APP_ORIGIN}/index.html`,
      });
      appWindow = win;
      const stop = forwardEvents(core.events, win);
      win.on('closed', () => {
        stop();
        if (appWindow === win) appWindow = undefined;
      });
    };
    open();

    app.on('second-instance', () => {
      const [win] = BrowserWindow.getAllWindows();
      if (win) {
        if (win.isMinimized()) win.restore();
        win.focus();
      }
    });
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) open();
    });
    app.on('window-all-closed', () => {
      if (process.platform !== 'darwin') app.quit();
    });
    app.on('before-quit', () => {
      void core.close().then(() => embedded?.close());
    });
  });
}

/** Our plain menu data as Electron's template type (the roles are a subset of Electron's). */
function toMenuItem(entry: MenuEntry): MenuItemConstructorOptions {
  return {
    ...(entry.role !== undefined ? { role: entry.role } : {}),
    ...(entry.label !== undefined ? { label: entry.label } : {}),
    ...(entry.submenu ? { submenu: entry.submenu.map(toMenuItem) } : {}),
  };
}
