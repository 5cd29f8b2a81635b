/**
 * The Electron `Confirmer`: a native message box when the profile has no
 * passphrase (keychain only), otherwise a main-owned modal prompt window
 * (src/main/security/confirmPage.ts) that takes the passphrase. Both are
 * outside the app window's renderer, so it can neither answer nor skip
 * them; `ConfirmGate` checks the passphrase against the key file.
 */
import { app, BrowserWindow, dialog, type MessageBoxOptions } from 'electron';
import type { ConfirmAnswer, ConfirmRequest, Confirmer } from '../security/confirm';
import { answerOf, CONFIRM_ANSWER_SCRIPT, CONFIRM_WORLD_ID, confirmPageHtml } from '../security/confirmPage';

/** In-memory partition of the prompt, apart from the app window's. */
const PROMPT_PARTITION = 'parley-confirm';

async function askYesNo(parent: BrowserWindow | undefined, request: ConfirmRequest): Promise<ConfirmAnswer> {
  const options: MessageBoxOptions = {
    type: 'warning',
    title: 'Parley',
    message: request.title,
    detail: request.detail,
    buttons: ['Cancel', request.confirmLabel],
    defaultId: 0,
    cancelId: 0,
    noLink: true,
  };
  const { response } = parent ? await dialog.showMessageBox(parent, options) : await dialog.showMessageBox(options);
  return response === 1 ? { confirmed: true, passphrase: null } : { confirmed: false };
}

async function askPassphrase(parent: BrowserWindow | undefined, request: ConfirmRequest): Promise<ConfirmAnswer> {
  const prompt = new BrowserWindow({
    ...(parent ? { parent, modal: true } : {}),
    width: 480,
    height: 300,
    resizable: false,
    minimizable: false,
    maximizable: false,
    fullscreenable: false,
    show: false,
    title: 'Parley',
    autoHideMenuBar: true,
    webPreferences: {
      partition: PROMPT_PARTITION,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      disableBlinkFeatures: 'Auxclick',
      devTools: !app.isPackaged,
    },
  });
  const closed = new Promise<false>((resolve) => prompt.once('closed', () => resolve(false)));
  try {
    await prompt.loadURL(`data:text/html;charset=utf-8,${encodeURIComponent(confirmPageHtml(request))}`);
    prompt.show();
    // Closing the prompt rejects the script: that is a "no", which the gate records as declined.
    const answer = prompt.webContents.executeJavaScriptInIsolatedWorld(CONFIRM_WORLD_ID, [{ code: CONFIRM_ANSWER_SCRIPT }], true).catch(() => false);
    return answerOf(await Promise.race([answer, closed]));
  } finally {
    if (!prompt.isDestroyed()) prompt.destroy();
  }
}

/** The shell's confirmer; `parent` is the app window the question belongs to, if one is open. */
export function electronConfirmer(parent: () => BrowserWindow | undefined): Confirmer {
  return {
    confirm: (request) => (request.requirePassphrase ? askPassphrase(parent(), request) : askYesNo(parent(), request)),
  };
}
