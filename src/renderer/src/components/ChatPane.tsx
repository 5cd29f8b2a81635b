import { DISAPPEARING_CHOICES } from '../../../shared/constants';
import { useStore } from '../store/root';
import { selectIsTyping, selectSelectedConversation } from '../store/conversations/selectors';
import { Composer } from './Composer';
import { MessageList } from './MessageList';
import { formatTimer } from './format';
import { Icon } from './Icon';
import { IdentityConflict } from './IdentityConflict';

/** The open conversation: header (verification, typing, disappearing timer), message list and composer. */
export function ChatPane() {
  const conversation = useStore(selectSelectedConversation);
  const typing = useStore(selectIsTyping(conversation?.id ?? null));
  const openDialog = useStore((s) => s.openDialog);
  const setDisappearing = useStore((s) => s.setDisappearing);
  const acceptIdentityChange = useStore((s) => s.acceptIdentityChange);

  if (!conversation) {
    return (
      <section className="chat chat--empty" aria-label="Chat">
        <p className="muted">Choose a conversation, or add a contact with the + button.</p>
      </section>
    );
  }
  return (
    <section className="chat" aria-label={`Chat with ${conversation.title}`}>
      <header className="chat__header">
        <div className="chat__title">
          <h2>{conversation.title}</h2>
          {conversation.verified && (
            <span className="verified" aria-label="Verified">
              ✓ Verified
            </span>
          )}
          {conversation.disappearingSeconds !== null && (
            <span className="timer-badge" aria-label={`Disappearing messages: ${formatTimer(conversation.disappearingSeconds)}`}>
              <Icon name="timer" size={14} /> {formatTimer(conversation.disappearingSeconds)}
            </span>
          )}
        </div>
        <div className="row">
          <label className="timer-select">
            <span className="sr-only">Disappearing messages</span>
            <select
              aria-label="Disappearing messages"
              value={conversation.disappearingSeconds ?? ''}
              onChange={(e) => void setDisappearing(conversation.id, e.target.value === '' ? null : Number(e.target.value))}
            >
              <option value="">Disappearing: off</option>
              {DISAPPEARING_CHOICES.map((s) => (
                <option key={s} value={s}>
                  Disappear after {formatTimer(s)}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="button button--secondary" onClick={() => openDialog({ kind: 'safetyNumber', contactId: conversation.contactId })}>
            Safety number
          </button>
          <button type="button" className="button button--secondary" onClick={() => openDialog({ kind: 'sessionHealth', contactId: conversation.contactId })}>
            Session health
          </button>
        </div>
      </header>
      {conversation.identityConflict && <IdentityConflict contactId={conversation.contactId} title={conversation.title} />}
      {conversation.identityChangePending && !conversation.identityConflict && (
        <div className="warning" role="alert">
          <p>
            <strong>{conversation.title}’s safety number has changed.</strong> They may have reinstalled Parley or rotated their recovery
            phrase — or someone may be trying to intercept your messages. Compare safety numbers before you continue.
          </p>
          <div className="row">
            <button type="button" className="button button--secondary" onClick={() => openDialog({ kind: 'safetyNumber', contactId: conversation.contactId })}>
              View safety number
            </button>
            <button type="button" className="button" onClick={() => void acceptIdentityChange(conversation.contactId)}>
              Accept new safety number
            </button>
          </div>
        </div>
      )}
      <MessageList conversationId={conversation.id} title={conversation.title} />
      <div className="typing" aria-live="polite">
        {typing ? `${conversation.title} is typing…` : ''}
      </div>
      <Composer conversationId={conversation.id} blocked={conversation.identityChangePending} />
    </section>
  );
}
