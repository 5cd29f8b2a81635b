/**
 * The attachments service: files being sent (streamed in, encrypted to
 * disk, uploaded, then announced by a message) and files received (fetched
 * in the background when the bus says `attachmentOffered`, read back
 * decrypted chunk by chunk).
 */
import path from 'node:path';
import { RELAY_ACTION_WAIT_MS } from '../../shared/constants';
import { ChatError } from '../account/errors';
import type { ChatContext } from '../conversations/context';
import { errorCode } from '../conversations/outgoing';
import type { ConversationService } from '../conversations/service';
import { newMessageId } from '../conversations/messageId';
import type { Message } from '../store';
import { AttachmentError } from './errors';
import { AttachmentFiles } from './files';
import { saveAttachment, type SavedFile } from './save';

/** Sending and receiving files (see the file comment). */
export class AttachmentService {
  readonly #files: AttachmentFiles;
  readonly #downloads = new Set<Promise<void>>();

  constructor(
    private readonly ctx: ChatContext,
    private readonly conversations: ConversationService,
    private readonly relayUrl: string,
  ) {
    this.#files = new AttachmentFiles(path.join(ctx.store.dir ?? '.', 'attachments'));
    ctx.bus.on('attachmentOffered', (conversationId, messageId, attachmentId, pointer) => {
      const download = this.#files
        .download(this.relayUrl, pointer, attachmentId)
        .then((file) => {
          if (ctx.store.db.open) ctx.store.attachments.setLocalPath(attachmentId, file);
          ctx.events.messagesChanged(conversationId, [messageId]);
        })
        // The message shows the file as not arrived; the failure is in the audit log.
        .catch((e: unknown) => ctx.audit('attachment.fetch_failed', { reason: errorCode(e) }))
        .finally(() => this.#downloads.delete(download));
      this.#downloads.add(download);
    });
  }

  /** Resolves once every download started so far has finished (or failed, which the audit log records). */
  async settled(): Promise<void> {
    await Promise.all([...this.#downloads]);
  }

  /** Decrypts every arrived attachment of a message into new 0600 files in `dir` (see save.ts); not-arrived ones are skipped. */
  async saveForMessage(messageId: string, dir: string): Promise<SavedFile[]> {
    const saved: SavedFile[] = [];
    for (const a of this.ctx.store.attachments.forMessage(messageId)) if (a.localPath) saved.push(await saveAttachment(a, dir));
    return saved;
  }

  /** Starts sending a file to a conversation; returns the upload id the chunks go to. */
  begin(conversationId: string, name: string, mime: string, size: number): string {
    // A group is checked when the message goes (membership); a 1:1 conversation needs a sendable contact.
    if (!this.ctx.groups?.isGroup(conversationId)) this.conversations.sendablePeer(conversationId);
    return this.#files.begin(conversationId, name, mime, size).id;
  }

  /** Encrypts the next chunk to disk; returns the bytes received so far. */
  append(uploadId: string, chunk: Uint8Array): Promise<number> {
    return this.#files.append(uploadId, chunk);
  }

  /** Drops an upload and its ciphertext. */
  cancel(uploadId: string): void {
    this.#files.cancel(uploadId);
  }

  /** Uploads the encrypted file and sends the message that points to it. */
  async finish(uploadId: string): Promise<Message> {
    const client = await this.ctx.link.online(RELAY_ACTION_WAIT_MS);
    if (!client) throw new ChatError('CHAT_OFFLINE', 'Parley cannot reach the relay; sending a file needs a connection.');
    const slot = await client.attachmentUpload();
    const { upload, pointer, digest } = await this.#files.finish(uploadId, this.relayUrl, slot);
    const id = newMessageId();
    await this.conversations.sendMessage(upload.conversationId, id, { text: '', replyTo: null, attachment: pointer });
    this.ctx.store.attachments.put({ id: upload.id, messageId: id, contentType: upload.mime, size: upload.size, fileName: upload.name, localPath: upload.file, key: upload.key, digest });
    this.conversations.announce(upload.conversationId, [id]);
    return this.conversations.get(id);
  }

  /** Reads a decrypted attachment chunk by chunk, from offset 0 on. */
  async read(attachmentId: string, offset: number): Promise<{ chunk: Uint8Array; done: boolean; messageId: string }> {
    const a = this.ctx.store.attachments.get(attachmentId);
    if (!a) throw new AttachmentError('ATTACHMENT_UNKNOWN', 'That attachment no longer exists.');
    return { ...(await this.#files.read(a, offset)), messageId: a.messageId };
  }
}
