/**
 * Conversation export (issue 16), shared by `parley export` and the app's
 * Settings → Export: the whole conversation, or every one, as one JSON file
 * or one self-contained HTML page per conversation, into a new (or empty)
 * folder, with the attachments decrypted beside it. The export is plaintext
 * by nature: every file is created exclusively with mode 0600 (the folder
 * 0700), and the audit log records that it happened (counts only). Asking
 * the person first is the caller's job (a terminal prompt, `--yes`, or the
 * main-owned confirmation in the app).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { EXPORT_PROGRESS_EVERY, EXPORT_REPLY_EXCERPT_CHARS } from '../../shared/constants';
import type { ChatContext } from '../conversations/context';
import { safeFileName, saveAttachment } from '../attachments/save';
import { ExportError } from './errors';
import { htmlFoot, htmlHead, htmlMessage } from './html';
import { conversationHeader, conversationMessages, type ExportedConversation } from './records';

/** What to export, how, and where. `conversationIds` null means every conversation. */
export interface ExportRequest {
  readonly conversationIds: readonly string[] | null;
  readonly format: 'json' | 'html';
  readonly out: string;
}

/** How far an export is: messages written of the total. */
export interface ExportProgress {
  readonly done: number;
  readonly total: number;
}

/** What an export wrote. */
export interface ExportSummary {
  readonly out: string;
  readonly files: readonly string[];
  readonly conversations: number;
  readonly messages: number;
  readonly attachments: number;
}

/** A file written in order, waiting when the disk is behind (so 10,000 messages never sit in memory). */
class Sink {
  readonly #stream: WriteStream;
  private constructor(stream: WriteStream) {
    this.#stream = stream;
  }

  /** Creates `file` (0600); fails if it exists. */
  static async create(file: string): Promise<Sink> {
    const stream = createWriteStream(file, { flags: 'wx', mode: 0o600 });
    await once(stream, 'open');
    return new Sink(stream);
  }

  async write(text: string): Promise<void> {
    if (!this.#stream.write(text)) await once(this.#stream, 'drain');
  }

  async close(): Promise<void> {
    this.#stream.end();
    await once(this.#stream, 'finish');
  }
}

/** Makes `out` a new private folder, or accepts an empty one. */
async function outputFolder(out: string): Promise<string> {
  const dir = path.resolve(out);
  const info = await stat(dir).catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  });
  if (info === null) await mkdir(dir, { recursive: true, mode: 0o700 });
  else if (!info.isDirectory()) throw new ExportError('EXPORT_OUT_NOT_FOLDER', `${out} is not a folder.`);
  else if ((await readdir(dir)).length > 0) throw new ExportError('EXPORT_OUT_NOT_EMPTY', `${out} is not empty; export into a new or empty folder.`);
  return dir;
}

/** A name not used yet in this export (`Ann`, `Ann (2)`, …), safe as a file name. */
function uniqueName(used: Set<string>, name: string): string {
  const base = safeFileName(name, 'conversation');
  let n = 1;
  let candidate = base;
  while (used.has(candidate.toLowerCase())) candidate = `${base} (${++n})`;
  used.add(candidate.toLowerCase());
  return candidate;
}

/** Writes exports of this profile's conversations (see the file comment). */
export class ExportService {
  constructor(private readonly ctx: ChatContext) {}

  /** The conversations an export of `ids` (null: all) covers, refusing an unknown one (CHAT_UNKNOWN_CONTACT comes from the caller's name lookup). */
  #conversations(ids: readonly string[] | null): ExportedConversation[] {
    const all = ids ?? [...this.ctx.contacts.all().map((c) => c.accountId), ...this.ctx.store.groups.ids()];
    const list = all.map((id) => conversationHeader(this.ctx, id));
    if (list.length === 0) throw new ExportError('EXPORT_NOTHING', 'There is no conversation to export.');
    return list;
  }

  /** Writes the export; `onProgress` hears after each page of messages. Records `export.written` in the audit log. */
  async write(req: ExportRequest, onProgress: (p: ExportProgress) => void = () => undefined): Promise<ExportSummary> {
    const convs = this.#conversations(req.conversationIds);
    const dir = await outputFolder(req.out);
    const total = convs.reduce((n, c) => n + c.messageCount, 0);
    const exportedAt = this.ctx.now();
    const used = new Set<string>();
    const files: string[] = [];
    let done = 0;
    let copied = 0;
    onProgress({ done, total });
    const json = req.format === 'json' ? await Sink.create(path.join(dir, 'conversations.json')) : null;
    if (json) {
      files.push('conversations.json');
      await json.write(`{"format":"parley-export","version":1,"exportedAt":${exportedAt},"account":${JSON.stringify({ accountId: this.ctx.keys.accountId, name: this.ctx.displayName() })},"conversations":[`);
    }
    for (const [i, conv] of convs.entries()) {
      const name = uniqueName(used, conv.name);
      const attachmentsDir = path.join(dir, 'attachments', name);
      const page = json ? null : await Sink.create(path.join(dir, `${name}.html`));
      if (page) {
        files.push(`${name}.html`);
        await page.write(htmlHead(conv, exportedAt));
      } else {
        const { messageCount: _n, ...header } = conv;
        await json!.write(`${i > 0 ? ',' : ''}${JSON.stringify(header).slice(0, -1)},"messages":[`);
      }
      const excerpts = new Map<string, string>();
      let first = true;
      for await (const { message, file } of conversationMessages(this.ctx, conv)) {
        let m = message;
        if (file?.localPath && !message.deleted) {
          await mkdir(attachmentsDir, { recursive: true, mode: 0o700 });
          const saved = await saveAttachment(file, attachmentsDir);
          copied++;
          m = { ...m, attachment: { ...m.attachment!, file: path.relative(dir, saved.path).split(path.sep).join('/') } };
        }
        if (page) {
          await page.write(htmlMessage(m, m.replyTo === null ? undefined : excerpts.get(m.replyTo)));
          excerpts.set(m.id, m.deleted ? 'a deleted message' : m.text.slice(0, EXPORT_REPLY_EXCERPT_CHARS) || m.attachment?.name || '');
        } else {
          await json!.write(`${first ? '' : ','}${JSON.stringify(m)}`);
        }
        first = false;
        if (++done % EXPORT_PROGRESS_EVERY === 0) onProgress({ done, total });
      }
      if (page) {
        await page.write(htmlFoot());
        await page.close();
      } else await json!.write(']}');
    }
    if (json) {
      await json.write(']}\n');
      await json.close();
    }
    onProgress({ done, total });
    this.ctx.audit('export.written', { format: req.format, conversations: convs.length, messages: done, attachments: copied });
    return { out: dir, files, conversations: convs.length, messages: done, attachments: copied };
  }
}
