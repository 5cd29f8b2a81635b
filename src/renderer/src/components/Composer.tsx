import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useStore } from '../store/root';
import { selectEditing, selectMessageError, selectReplyTo } from '../store/messages/selectors';
import { selectActiveUpload } from '../store/ui/selectors';
import { parley } from '../bridge';
import { formatBytes } from './format';
import { Icon } from './Icon';

const TYPING_REFRESH_MS = 3000;

/** The message input of a conversation: text, reply and edit modes, attachments and typing signals; disabled while `blocked`. */
export function Composer({ conversationId, blocked }: { conversationId: string; blocked: boolean }) {
  const [text, setText] = useState('');
  const replyTo = useStore(selectReplyTo);
  const editing = useStore(selectEditing);
  const error = useStore(selectMessageError);
  const upload = useStore(selectActiveUpload);
  const sendText = useStore((s) => s.sendText);
  const sendFile = useStore((s) => s.sendFile);
  const cancelUpload = useStore((s) => s.cancelUpload);
  const setReplyTo = useStore((s) => s.setReplyTo);
  const setEditing = useStore((s) => s.setEditing);
  const typingIndicators = useStore((s) => s.settings?.typingIndicators ?? true);
  const lastTyping = useRef(0);
  const fileRef = useRef<HTMLInputElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (editing) setText(editing.text);
    inputRef.current?.focus();
  }, [editing, replyTo, conversationId]);

  const stopTyping = () => {
    if (lastTyping.current > 0 && typingIndicators) void parley.setTyping({ conversationId, typing: false });
    lastTyping.current = 0;
  };

  const onChange = (value: string) => {
    setText(value);
    if (!typingIndicators) return;
    const now = Date.now();
    if (value.length > 0 && now - lastTyping.current > TYPING_REFRESH_MS) {
      lastTyping.current = now;
      void parley.setTyping({ conversationId, typing: true });
    } else if (value.length === 0) stopTyping();
  };

  const send = async () => {
    const body = text.trim();
    if (!body || blocked) return;
    // A new message ends "typing" on the other side by itself (the receiver clears it on arrival), so only an edit sends the stop.
    if (editing) stopTyping();
    else lastTyping.current = 0;
    if (await sendText(conversationId, body)) setText('');
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void send();
    } else if (e.key === 'Escape' && (replyTo || editing)) {
      setReplyTo(null);
      setEditing(null);
      setText('');
    }
  };

  return (
    <div className="composer">
      {(replyTo || editing) && (
        <div className="composer__context" role="status">
          <span>
            {editing ? 'Editing message' : `Replying to ${replyTo!.direction === 'out' ? 'yourself' : 'them'}: `}
            {replyTo && <em>{replyTo.text.slice(0, 80)}</em>}
          </span>
          <button type="button" className="link-button" aria-label={editing ? 'Cancel edit' : 'Cancel reply'} onClick={() => (setReplyTo(null), setEditing(null), setText(''))}>
            Cancel
          </button>
        </div>
      )}
      {upload && (
        <div className="composer__upload" role="status" aria-label="Upload progress">
          <span>
            Sending {upload.name} — {formatBytes(upload.sent)} of {formatBytes(upload.size)}
          </span>
          <progress max={upload.size} value={upload.sent} aria-label={`Uploading ${upload.name}`} />
          <button type="button" className="link-button" onClick={() => void cancelUpload()}>
            Cancel upload
          </button>
        </div>
      )}
      {error && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
      <div className="composer__row">
        <button type="button" className="icon-button" aria-label="Attach a file" title="Attach a file" disabled={blocked || Boolean(upload)} onClick={() => fileRef.current?.click()}>
          <Icon name="attach" />
        </button>
        <input
          ref={fileRef}
          type="file"
          hidden
          aria-label="File to send"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) void sendFile(conversationId, file);
          }}
        />
        <textarea
          ref={inputRef}
          className="composer__input"
          aria-label="Message"
          placeholder={blocked ? 'Accept the new safety number to send messages' : 'Write a message'}
          rows={1}
          value={text}
          disabled={blocked}
          onChange={(e) => onChange(e.target.value)}
          onKeyDown={onKeyDown}
          onBlur={stopTyping}
        />
        <button type="button" className="button" aria-label={editing ? 'Save edit' : 'Send'} disabled={blocked || text.trim().length === 0} onClick={() => void send()}>
          {editing ? 'Save' : 'Send'}
        </button>
      </div>
    </div>
  );
}
