import { useEffect, useState } from 'react';
import type { AttachmentDto } from '../../../shared/contract';
import { parley } from '../bridge';
import { formatBytes } from './format';

function fromBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Reads a decrypted attachment from main in chunks and turns it into a blob URL. */
async function loadBlob(attachment: Pick<AttachmentDto, 'id' | 'mime'>): Promise<string> {
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (;;) {
    const r = await parley.readAttachment({ attachmentId: attachment.id, offset });
    if (!r.ok) throw new Error(r.message);
    const bytes = fromBase64(r.value.chunk);
    parts.push(bytes);
    offset += bytes.length;
    if (r.value.done) break;
  }
  return URL.createObjectURL(new Blob(parts as BlobPart[], { type: attachment.mime }));
}

/** An attachment in a message: a preview for images, otherwise name, size, transfer progress and a save button. */
export function AttachmentView({ attachment }: { attachment: AttachmentDto }) {
  const isImage = attachment.mime.startsWith('image/') && attachment.mime !== 'image/svg+xml';
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const ready = attachment.state === 'ready';

  // Keyed by id, not by the DTO object: message refreshes hand out new objects for the same file,
  // and re-running would revoke the URL the <img> still shows.
  const { id, mime } = attachment;
  useEffect(() => {
    if (!isImage || !ready) return;
    let revoked = false;
    let made: string | null = null;
    loadBlob({ id, mime })
      .then((u) => {
        made = u;
        if (revoked) URL.revokeObjectURL(u);
        else setUrl(u);
      })
      .catch((e: Error) => setError(e.message));
    return () => {
      revoked = true;
      setUrl(null);
      if (made) URL.revokeObjectURL(made);
    };
  }, [id, mime, isImage, ready]);

  const open = async () => {
    try {
      const u = url ?? (await loadBlob(attachment));
      setUrl(u);
      const a = document.createElement('a');
      a.href = u;
      a.download = attachment.name;
      a.click();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <figure className="attachment" aria-label={`Attachment ${attachment.name}`}>
      {isImage && url && <img className="attachment__image" src={url} alt={attachment.name} />}
      <figcaption className="attachment__meta">
        <span className="attachment__name">{attachment.name}</span>
        <span className="muted">
          {formatBytes(attachment.size)}
          {!ready && ` · ${attachment.state}${attachment.state === 'uploading' || attachment.state === 'downloading' ? ` ${Math.floor((attachment.transferred / Math.max(1, attachment.size)) * 100)}%` : ''}`}
        </span>
        {ready && (
          <button type="button" className="link-button" onClick={() => void open()} aria-label={`Save ${attachment.name}`}>
            Save
          </button>
        )}
      </figcaption>
      {error && <span className="error" role="alert">{error}</span>}
    </figure>
  );
}
