import type { DirectConversationDto } from '../../../shared/contract';
import { useStore } from '../store/root';
import { IdentityConflict } from './IdentityConflict';
import { TimerBadge, TimerSelect } from './TimerControls';

/** The header of a 1:1 chat (verification, disappearing timer, safety number, session health) and its key-change warnings. */
export function DirectChatHeader({ conversation }: { conversation: DirectConversationDto }) {
  const openDialog = useStore((s) => s.openDialog);
  const acceptIdentityChange = useStore((s) => s.acceptIdentityChange);
  return (
    <>
      <header className="chat__header">
        <div className="chat__title">
          <h2>{conversation.title}</h2>
          {conversation.verified && (
            <span className="verified" aria-label="Verified">
              ✓ Verified
            </span>
          )}
          <TimerBadge seconds={conversation.disappearingSeconds} />
        </div>
        <div className="row">
          <TimerSelect conversationId={conversation.id} seconds={conversation.disappearingSeconds} />
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
    </>
  );
}
