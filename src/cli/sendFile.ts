/** Sending a file from disk as an attachment message (the `send --file` command and the daemon's `send` with `file`). */
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { ATTACHMENT_IPC_CHUNK_BYTES, MAX_ATTACHMENT_BYTES } from '../shared/constants';
import type { Messenger } from '../main/messenger/messenger';
import type { Message } from '../main/store';
import { CliError } from './args';

/** Types the app previews; anything else is sent as a plain file. */
const MIME_BY_EXTENSION: Record<string, string> = {
  '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp', '.pdf': 'application/pdf', '.txt': 'text/plain',
};

/** Streams a file into an attachment message, chunk by chunk (never fully in memory). */
export async function sendFile(messenger: Messenger, conversationId: string, file: string): Promise<Message> {
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) throw new CliError('CLI_USAGE', `--file ${file} is not a readable file.`);
  if (info.size === 0 || info.size > MAX_ATTACHMENT_BYTES) throw new CliError('CLI_USAGE', `--file must be 1 byte to ${MAX_ATTACHMENT_BYTES} bytes.`);
  const upload = messenger.attachments.begin(conversationId, path.basename(file).slice(0, 255), MIME_BY_EXTENSION[path.extname(file).toLowerCase()] ?? 'application/octet-stream', info.size);
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(ATTACHMENT_IPC_CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      await messenger.attachments.append(upload, buf.subarray(0, bytesRead));
    }
  } catch (e) {
    messenger.attachments.cancel(upload);
    throw e;
  } finally {
    await fh.close();
  }
  return messenger.attachments.finish(upload);
}

