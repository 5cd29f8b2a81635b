/** Attachment metadata: the file lives encrypted on disk at `localPath`; its key is sealed in the row. */
import { prep, type SqliteDatabase } from './database';
import type { Sealer } from './seal';

/** One attachment's row: its message, type, size, name, where the encrypted file lies, and its (unsealed) key and digest. */
export interface Attachment {
  readonly id: string;
  readonly messageId: string;
  readonly contentType: string;
  readonly size: number;
  readonly fileName: string | null;
  readonly localPath: string | null;
  readonly key: Uint8Array;
  readonly digest: Uint8Array;
}

interface Row { id: string; message_id: string; content_type: string; size: number; file_name: string | null; local_path: string | null; key: Uint8Array; digest: Uint8Array }

/** Attachment rows; keys are sealed at rest. */
export class AttachmentRepo {
  constructor(private readonly db: SqliteDatabase, private readonly sealer: Sealer) {}

  /** Adds or replaces an attachment's metadata (deleted with its message by cascade). */
  put(a: Attachment): void {
    prep(this.db, `INSERT OR REPLACE INTO attachments (id, message_id, content_type, size, file_name, local_path, key, digest)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(a.id, a.messageId, a.contentType, a.size, a.fileName, a.localPath, this.sealer.seal('attachments', a.id, a.key), a.digest);
  }

  setLocalPath(id: string, localPath: string | null): void {
    prep(this.db, 'UPDATE attachments SET local_path = ? WHERE id = ?').run(localPath, id);
  }

  forMessage(messageId: string): Attachment[] {
    return (prep(this.db, 'SELECT * FROM attachments WHERE message_id = ? ORDER BY id').all(messageId) as Row[]).map((r) => ({
      id: r.id, messageId: r.message_id, contentType: r.content_type, size: r.size, fileName: r.file_name, localPath: r.local_path,
      key: this.sealer.open('attachments', r.id, r.key), digest: new Uint8Array(r.digest),
    }));
  }
}
