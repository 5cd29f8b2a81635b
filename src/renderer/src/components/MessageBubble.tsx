import { useState } from 'react';
import type { MessageDto } from '../../../shared/contract';
import { useStore } from '../store/root';
import { AttachmentView } from './AttachmentView';
import { DELIVERY_LABEL, formatTime, groupReceiptLabel, senderColour } from './format';
import { Icon } from './Icon';

const REACTIONS = ['👍', '❤️', '😂', '😮', '😢'] as const;

/** The row shown where a message could not be decrypted; the resend replaces it. */
function Undecryptable({ message, from }: { message: MessageDto; from: string }) {
  return (
    <div className="message message--in message--notice" data-message-id={message.id}>
      <p className="notice" role="status">
        <Icon name="lock" size={14} /> A message from {from} couldn’t be decrypted. Parley asked {from}’s device to send it again.
      </p>
    </div>
  );
}

/** One message in the chat: text, reply preview, reactions, attachment, delivery state and its action menu. */
export function MessageBubble({ message, focused, from }: { message: MessageDto; focused: boolean; from: string }) {
  const [menu, setMenu] = useState(false);
  const setReplyTo = useStore((s) => s.setReplyTo);
  const setEditing = useStore((s) => s.setEditing);
  const react = useStore((s) => s.react);
  const del = useStore((s) => s.deleteMessage);
  const retry = useStore((s) => s.retry);
  const mine = message.direction === 'out';
  const myReaction = message.reactions.find((r) => r.by === 'me')?.emoji ?? null;
  const receipts = message.receipts && message.state !== 'queued' && message.state !== 'failed' ? groupReceiptLabel(message.receipts) : null;
  const state = receipts ?? DELIVERY_LABEL[message.state];
  const sender = message.sender;
  if (message.kind === 'undecryptable') return <Undecryptable message={message} from={from} />;

  return (
    <div className={`message message--${message.direction}${focused ? ' message--focused' : ''}`} data-message-id={message.id}>
      <article className="bubble" aria-label={`${mine ? 'You' : (sender?.name ?? 'Them')}: ${message.deleted ? 'deleted message' : message.text}`}>
        {sender && (
          <p className={`bubble__sender sender--${senderColour(sender.accountId)}`}>
            {sender.name}
            {!sender.contact && <span className="bubble__stranger"> · not in your contacts</span>}
          </p>
        )}
        {message.replyTo && (
          <blockquote className="bubble__quote">
            <span className="muted">{message.replyTo.direction === 'out' ? 'You' : (message.replyTo.from ?? 'Them')}</span> {message.replyTo.text}
          </blockquote>
        )}
        {message.deleted ? (
          <p className="bubble__text muted">This message was deleted.</p>
        ) : (
          <>
            {message.attachment && <AttachmentView attachment={message.attachment} />}
            {message.text && <p className="bubble__text">{message.text}</p>}
          </>
        )}
        <footer className="bubble__meta">
          {message.expiresAt && <span aria-label="Disappearing message" title="Disappearing message"><Icon name="timer" size={12} /></span>}
          {message.editedAt && <span>edited</span>}
          <time>{formatTime(message.sentAt)}</time>
          {mine && state && (
            <span className={`state state--${message.state}`} aria-label={`Delivery: ${state}`} data-receipts={receipts ?? undefined}>
              {state}
            </span>
          )}
          {mine && message.state === 'failed' && !message.deleted && (
            <button type="button" className="link-button" onClick={() => void retry(message.id)}>
              Retry
            </button>
          )}
        </footer>
        {message.reactions.length > 0 && (
          <ul className="reactions" aria-label="Reactions">
            {message.reactions.map((r, i) => (
              <li key={`${r.by}-${i}`} aria-label={`${r.by === 'me' ? 'You' : (r.from ?? 'Them')} reacted ${r.emoji}`} title={r.from ?? undefined}>
                {r.emoji}
              </li>
            ))}
          </ul>
        )}
      </article>
      {!message.deleted && (
        <div className="message__actions">
          <button type="button" className="icon-button icon-button--small" aria-label="Message actions" aria-expanded={menu} onClick={() => setMenu((m) => !m)}>
            <Icon name="more" size={16} />
          </button>
          {menu && (
            <div className="menu" role="menu" onMouseLeave={() => setMenu(false)}>
              <div className="menu__reactions">
                {REACTIONS.map((e) => (
                  <button
                    key={e}
                    type="button"
                    role="menuitemradio"
                    aria-checked={myReaction === e}
                    aria-label={`React ${e}`}
                    onClick={() => {
                      void react(message.id, myReaction === e ? null : e);
                      setMenu(false);
                    }}
                  >
                    {e}
                  </button>
                ))}
              </div>
              <button type="button" role="menuitem" onClick={() => (setReplyTo(message), setMenu(false))}>
                Reply
              </button>
              {mine && !message.attachment && (
                <button type="button" role="menuitem" onClick={() => (setEditing(message), setMenu(false))}>
                  Edit
                </button>
              )}
              <button type="button" role="menuitem" onClick={() => (void del(message.id, false), setMenu(false))}>
                Delete for me
              </button>
              {mine && (
                <button type="button" role="menuitem" onClick={() => (void del(message.id, true), setMenu(false))}>
                  Delete for everyone
                </button>
              )}
            </div>
          )}
        </div>
      )}
    </div>
  );
}
