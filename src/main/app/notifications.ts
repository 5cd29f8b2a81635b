/**
 * What a new-message notification may say. No message content while the
 * app is locked or when previews are off; the shell shows it through
 * Electron's Notification, the CLI ignores it.
 */
export interface NotificationText {
  readonly title: string;
  readonly body: string;
}

/** Shows a notification on the desktop; the shell implements it with Electron, hosts without a desktop leave it out. */
export interface Notifier {
  notify(text: NotificationText): void;
}

/** The title and body allowed for a new message: no text while locked or with previews off, long texts cut. */
export function notificationFor(
  message: { senderName: string; text: string },
  state: { locked: boolean; previews: boolean },
): NotificationText {
  if (state.locked) return { title: 'Parley', body: 'New message' };
  if (!state.previews) return { title: message.senderName, body: 'New message' };
  const body = message.text.length > 120 ? `${message.text.slice(0, 119)}…` : message.text;
  return { title: message.senderName, body };
}
