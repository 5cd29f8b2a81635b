/**
 * The one app window, hardened: sandboxed, context-isolated, no Node, an
 * in-memory session (nothing cached to disk), navigation, popups, webviews
 * and every permission but the camera denied, no middle-click (Auxclick)
 * and, in a packaged build, no DevTools.
 */
import { app, BrowserWindow, session, type WebContents } from 'electron';
import { isNavigationAllowed, isPermissionAllowed, isRequestAllowed } from '../security/policy';

/** In-memory partition: no HTTP cache, localStorage or cookies reach disk. */
export const WINDOW_PARTITION = 'parley-app';

/** What the shell hands the window: file paths and the origins it may show. */
export interface WindowOptions {
  readonly preload: string;
  readonly icon: string;
  readonly appOrigin: string;
  readonly startUrl: string;
}

/**
 * Guards every web contents (the window's and any other Electron creates):
 * no navigation away from the app, no webviews, no popups and, packaged, no
 * DevTools even if something asks for them.
 */
export function hardenContents(contents: WebContents, appOrigin: string): void {
  contents.on('will-navigate', (event, url) => {
    if (!isNavigationAllowed(url, appOrigin)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isNavigationAllowed(url, appOrigin)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  if (app.isPackaged) {
    // `devTools: false` already refuses to open them; this closes them should any path still do so.
    contents.on('devtools-opened', () => contents.closeDevTools());
  }
}

/** Permission, device and request policy for the window's in-memory session. */
export function hardenSession(appOrigin: string): void {
  const ses = session.fromPartition(WINDOW_PARTITION);
  ses.setPermissionRequestHandler((_wc, permission, callback, details) => {
    const mediaTypes = 'mediaTypes' in details ? (details.mediaTypes ?? []) : [];
    callback(isPermissionAllowed({ permission, requestingUrl: details.requestingUrl, mediaTypes }, appOrigin));
  });
  ses.setPermissionCheckHandler((_wc, permission, requestingOrigin, details) => {
    const mediaType = 'mediaType' in details ? details.mediaType : undefined;
    return isPermissionAllowed(
      { permission, requestingUrl: requestingOrigin, mediaTypes: mediaType ? [mediaType] : [] },
      appOrigin,
    );
  });
  ses.setDevicePermissionHandler(() => false);
  ses.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !isRequestAllowed(details.url, appOrigin) });
  });
}

/** Opens the app window with every hardening option set inline (so static checkers see them). */
export function createMainWindow(options: WindowOptions): BrowserWindow {
  hardenSession(options.appOrigin);
  const win = new BrowserWindow({
    width: 1120,
    height: 760,
    minWidth: 760,
    minHeight: 520,
    show: false,
    title: 'Parley',
    icon: options.icon,
    autoHideMenuBar: true,
    webPreferences: {
      preload: options.preload,
      partition: WINDOW_PARTITION,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: true,
      // Middle-click would open links in a new window, past the will-navigate guard.
      disableBlinkFeatures: 'Auxclick',
      devTools: !app.isPackaged,
    },
  });
  hardenContents(win.webContents, options.appOrigin);
  win.once('ready-to-show', () => win.show());
  void win.loadURL(options.startUrl);
  return win;
}
