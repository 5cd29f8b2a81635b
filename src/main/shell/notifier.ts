/** New-message notifications through Electron's Notification (text decided by app/notifications.ts). */
import { Notification } from 'electron';
import type { Notifier } from '../app/notifications';

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
