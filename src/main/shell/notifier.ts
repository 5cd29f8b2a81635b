/** New-message notifications through Electron's Notification (text decided by app/notifications.ts). */
import { Notification } from 'electron';
import type { Notifier } from '../app/notifications';

/** The desktop notifier through Electron's Notification; a click runs `onClick` (the shell brings the window forward). */
export function electronNotifier(onClick: () => void): Notifier {
  return {
    notify(text) {
      if (!Notification.isSupported()) return;
      const n = new Notification({ title: text.title, body: text.body, silent: false });
      n.on('click', onClick);
      n.show();
    },
  };
}
