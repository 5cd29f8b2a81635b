/**
 * The preload: builds `window.parley` from the shared contract and nothing
 * else. One named function per call, one `onX` subscriber per event. No raw
 * ipcRenderer, no generic invoke, no Node objects cross into the page.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  CALL_NAMES,
  EVENT_NAMES,
  callChannel,
  eventChannel,
  subscriberName,
} from '../shared/contract';

const api: Record<string, unknown> = {};

for (const name of CALL_NAMES) {
  const channel = callChannel(name);
  api[name] = (request?: unknown) => ipcRenderer.invoke(channel, request ?? {});
}

for (const name of EVENT_NAMES) {
  const channel = eventChannel(name);
  api[subscriberName(name)] = (listener: unknown) => {
    if (typeof listener !== 'function') throw new TypeError(`${subscriberName(name)} needs a function`);
    // Only the payload crosses; the IpcRendererEvent (which exposes `sender`) never does.
    const handler = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(channel, handler);
    return () => {
      ipcRenderer.removeListener(channel, handler);
    };
  };
}

contextBridge.exposeInMainWorld('parley', Object.freeze(api));
