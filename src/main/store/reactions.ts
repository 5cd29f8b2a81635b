/** Reactions: one emoji per sender per message; removed with the message by cascade. */
import { prep, type SqliteDatabase } from './database';

/** One sender's reaction to a message. */
export interface Reaction {
  readonly messageId: string;
  readonly sender: string;
  readonly emoji: string;
  readonly reactedAt: number;
}

/** Reaction rows: one emoji per sender per message. */
export class ReactionRepo {
  constructor(private readonly db: SqliteDatabase) {}

  /** Sets (or replaces) a sender's reaction; an older one than stored is ignored. */
  set(r: Reaction): void {
    prep(this.db, `INSERT INTO reactions (message_id, sender, emoji, reacted_at) VALUES (?, ?, ?, ?)
      ON CONFLICT(message_id, sender) DO UPDATE SET emoji = excluded.emoji, reacted_at = excluded.reacted_at
      WHERE excluded.reacted_at >= reactions.reacted_at`).run(r.messageId, r.sender, r.emoji, r.reactedAt);
  }

  remove(messageId: string, sender: string): void {
    prep(this.db, 'DELETE FROM reactions WHERE message_id = ? AND sender = ?').run(messageId, sender);
  }

  forMessage(messageId: string): Reaction[] {
    return (prep(this.db, 'SELECT message_id, sender, emoji, reacted_at FROM reactions WHERE message_id = ? ORDER BY reacted_at').all(messageId) as
      { message_id: string; sender: string; emoji: string; reacted_at: number }[])
      .map((r) => ({ messageId: r.message_id, sender: r.sender, emoji: r.emoji, reactedAt: r.reacted_at }));
  }
}
