/**
 * What a new-message notification may say, and how many there are. No
 * message content while the app is locked or when previews are off; the
 * shell shows it through Electron's Notification, the CLI ignores it.
 * Texts that arrive together (one receive batch: a catch-up brings hundreds)
 * make ONE notification per conversation, counting them, not one each.
 */
import { count } from '../../shared/count';
import type { IncomingText } from '../account/events';

/** The title and body of one desktop notification. */
export interface NotificationText {
  readonly title: string;
  readonly body: string;
}

/** Shows a notification on the desktop; the shell implements it with Electron, hosts without a desktop leave it out. */
export interface Notifier {
  notify(text: NotificationText): void;
}

/** New texts of one conversation that arrived together: the sender, the latest text and how many (1 when absent). */
export interface ArrivedTexts {
  readonly senderName: string;
  readonly text: string;
  readonly count?: number;
}

/** The title and body allowed for new messages: no text while locked or with previews off, long texts cut, several counted. */
export function notificationFor(message: ArrivedTexts, state: { locked: boolean; previews: boolean }): NotificationText {
  const n = message.count ?? 1;
  const what = n === 1 ? 'New message' : count(n, 'new message');
  if (state.locked) return { title: 'Parley', body: what };
  if (!state.previews) return { title: message.senderName, body: what };
  const text = n === 1 ? message.text : `${what} · ${message.text}`;
  const body = text.length > 120 ? `${text.slice(0, 119)}…` : text;
  return { title: message.senderName, body };
}

/**
 * Gathers the texts announced in one turn of the event loop (a receive
 * batch announces all of its texts in one synchronous loop) and hands on
 * one ArrivedTexts per conversation, in the order the conversations first
 * appeared, on the next turn.
 */
export class NotificationBatcher {
  readonly #pending = new Map<string, { senderName: string; text: string; count: number }>();
  #scheduled = false;

  constructor(private readonly show: (texts: ArrivedTexts) => void) {}

  /** Notes one arrived text. */
  add(m: IncomingText): void {
    const seen = this.#pending.get(m.conversationId);
    this.#pending.set(m.conversationId, { senderName: m.from, text: m.text, count: (seen?.count ?? 0) + 1 });
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      const batch = [...this.#pending.values()];
      this.#pending.clear();
      for (const texts of batch) this.show(texts);
    });
  }
}
