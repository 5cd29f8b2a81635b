import { useStore } from '../store/root';
import { selectSelectedConversation, selectTyping } from '../store/conversations/selectors';
import { typingLine } from '../store/conversations/typing';
import { selectGroup } from '../store/groups/selectors';
import { Composer } from './Composer';
import { MessageList } from './MessageList';
import { DirectChatHeader } from './DirectChatHeader';
import { GroupChatHeader } from './GroupChatHeader';

/** The open conversation (1:1 or group): its header, message list and composer. */
export function ChatPane() {
  const conversation = useStore(selectSelectedConversation);
  const typing = useStore(selectTyping(conversation?.id ?? null));
  const groupDto = useStore(selectGroup(conversation?.kind === 'group' ? conversation.id : null));

  if (!conversation) {
    return (
      <section className="chat chat--empty" aria-label="Chat">
        <p className="muted">Choose a conversation, or add a contact with the + button.</p>
      </section>
    );
  }
  const group = conversation.kind === 'group';
  const gone = group && conversation.status !== 'member';
  const changed = gone ? [] : (groupDto?.members.filter((m) => m.keyChanged && !m.me) ?? []);
  // Our own key changed (a rotated phrase): not listed until an admin adds the new key (docs/protocol.md §8.7).
  const unlisted = group && !gone && groupDto !== null && !groupDto.members.some((m) => m.me);
  return (
    <section className="chat" aria-label={group ? `Group ${conversation.title}` : `Chat with ${conversation.title}`}>
      {group ? <GroupChatHeader conversation={conversation} /> : <DirectChatHeader conversation={conversation} />}
      <MessageList conversationId={conversation.id} title={conversation.title} group={group} />
      <div className="typing" aria-live="polite">
        {typingLine(group ? typing.map((a) => groupDto?.members.find((m) => m.accountId === a)?.name ?? 'Someone') : typing.length > 0 ? [conversation.title] : [])}
      </div>
      {changed.length > 0 && (
        <p className="chat__closed" role="status">
          {changed.map((m) => m.name).join(', ')}: safety number changed. They get no group messages until an admin adds their new key.
        </p>
      )}
      {gone ? (
        <p className="chat__closed" role="status">
          {conversation.status === 'left' ? 'You left this group.' : 'You were removed from this group.'} You can read its history but not send to it.
        </p>
      ) : unlisted ? (
        <p className="chat__closed" role="status">
          Your safety number changed. An admin of this group must add your new key before you can write here.
        </p>
      ) : (
        <Composer conversationId={conversation.id} blocked={conversation.kind === 'direct' && conversation.identityChangePending} />
      )}
    </section>
  );
}
