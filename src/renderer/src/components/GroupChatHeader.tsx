import { useEffect } from 'react';
import type { GroupConversationDto } from '../../../shared/contract';
import { useStore } from '../store/root';
import { selectGroupError } from '../store/groups/selectors';
import { TimerBadge, TimerSelect } from './TimerControls';

/** The header of a group chat: name, member count, the timer (admins change it) and the member list. */
export function GroupChatHeader({ conversation }: { conversation: GroupConversationDto }) {
  const openDialog = useStore((s) => s.openDialog);
  const loadGroup = useStore((s) => s.loadGroup);
  const error = useStore(selectGroupError);
  const clearError = useStore((s) => s.clearGroupError);
  const count = conversation.memberCount;
  useEffect(() => void loadGroup(conversation.id), [loadGroup, conversation.id]);
  return (
    <>
      <header className="chat__header">
        <div className="chat__title">
          <h2>{conversation.title}</h2>
          <span className="muted chat__members" aria-label={`${count} members`}>
            {count} member{count === 1 ? '' : 's'}
          </span>
          <TimerBadge seconds={conversation.disappearingSeconds} />
        </div>
        <div className="row">
          {conversation.admin && <TimerSelect conversationId={conversation.id} seconds={conversation.disappearingSeconds} />}
          <button type="button" className="button button--secondary" onClick={() => openDialog({ kind: 'groupMembers', groupId: conversation.id })}>
            Members
          </button>
        </div>
      </header>
      {error && (
        <div className="warning" role="alert">
          <p>{error.message}</p>
          <button type="button" className="link-button" onClick={clearError}>
            Dismiss
          </button>
        </div>
      )}
    </>
  );
}
