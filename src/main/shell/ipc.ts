/**
 * Binds the contract's calls to ipcMain, one channel per call, all through
 * the single dispatcher, and forwards core events to the window.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { CALL_NAMES, callChannel, eventChannel } from '../../shared/contract';
import type { Dispatch } from '../ipc/dispatch';
import type { CoreEvents } from '../app/events';

/** Registers one ipcMain handler per contract call, each passing the sender's frame to the dispatcher. */
export function bindIpc(dispatch: Dispatch): void {
  for (const name of CALL_NAMES) {
    ipcMain.handle(callChannel(name), (event: IpcMainInvokeEvent, payload: unknown) => {
      const frame = event.senderFrame;
      const isMainFrame = frame !== null && frame === event.sender.mainFrame;
      return dispatch(name, payload, { url: frame?.url ?? '', isMainFrame });
    });
  }
}

/** Sends every core event to the window while it exists; returns the unsubscribe function. */
export function forwardEvents(events: CoreEvents, win: BrowserWindow): () => void {
  return events.subscribe((name, payload) => {
    if (!win.isDestroyed()) win.webContents.send(eventChannel(name), payload);
  });
}
