/**
 * What a new-message notification may say. No message content while the
 * app is locked or when previews are off; the shell shows it through
 * Electron's Notification, the CLI ignores it.
 */
export interface NotificationText {
  readonly title: string;
  readonly body: string;
}

export interface Notifier {
  notify(text: NotificationText): void;
}

export function notificationFor(
  message: { senderName: string; text: string },
  state: { locked: boolean; previews: boolean },
): NotificationText {
  if (state.locked) return { title: 'Parley', body: 'New message' };
  if (!state.previews) return { title: message.senderName, body: 'New message' };
  const body = message.text.length > 120 ? `${message.text.slice(0, 119)}…` : message.text;
  return { title: message.senderName, body };
}
