import { useEffect, useState } from 'react';
import type { GroupDto, GroupMemberDto } from '../../../shared/contract';
import { useStore } from '../store/root';
import { selectContacts } from '../store/contacts/selectors';
import { selectGroup, selectGroupError } from '../store/groups/selectors';
import { ContactPicker } from './ContactPicker';
import { Dialog } from './Dialog';

/** One member: name, role, "not in your contacts", "safety number changed", their safety number, and (for admins) make admin and remove. */
function MemberRow({ group, member }: { group: GroupDto; member: GroupMemberDto }) {
  const openDialog = useStore((s) => s.openDialog);
  const makeAdmin = useStore((s) => s.makeGroupAdmin);
  const remove = useStore((s) => s.removeGroupMember);
  const adoptKey = useStore((s) => s.adoptGroupMemberKey);
  const admin = member.role === 'admin';
  return (
    <li className="member" aria-label={`${member.name}${member.me ? ' (you)' : ''}${admin ? ', admin' : ''}${!member.me && !member.contact ? ', not in your contacts' : ''}${member.keyChanged ? ', safety number changed' : ''}`}>
      <span className="member__name">
        {member.name}
        {member.me && <span className="muted"> (you)</span>}
        {admin && <span className="role-badge">Admin</span>}
        {!member.me && !member.contact && <span className="stranger-badge">Not in your contacts</span>}
        {member.keyChanged && <span className="stranger-badge">Safety number changed</span>}
      </span>
      {!member.me && (
        <span className="row">
          <button type="button" className="link-button" onClick={() => openDialog({ kind: 'memberSafetyNumber', groupId: group.id, accountId: member.accountId })}>
            Safety number
          </button>
          {group.admin && member.keyChanged && (
            <button type="button" className="link-button" onClick={() => void adoptKey(group.id, member.accountId)}>
              Add new key
            </button>
          )}
          {group.admin && !admin && (
            <button type="button" className="link-button" onClick={() => void makeAdmin(group.id, member.accountId)}>
              Make admin
            </button>
          )}
          {group.admin && (
            <button type="button" className="link-button link-button--danger" onClick={() => void remove(group.id, member.accountId)}>
              Remove
            </button>
          )}
        </span>
      )}
    </li>
  );
}

/** The member list of a group with roles; admins add and remove members and make admins; anyone can leave. */
export function GroupMembersDialog({ groupId, onClose }: { groupId: string; onClose: () => void }) {
  const group = useStore(selectGroup(groupId));
  const contacts = useStore(selectContacts);
  const error = useStore(selectGroupError);
  const loadGroup = useStore((s) => s.loadGroup);
  const clearError = useStore((s) => s.clearGroupError);
  const addMembers = useStore((s) => s.addGroupMembers);
  const leave = useStore((s) => s.leaveGroup);
  const [picked, setPicked] = useState<string[]>([]);
  const [confirmLeave, setConfirmLeave] = useState(false);

  useEffect(() => {
    clearError();
    void loadGroup(groupId);
  }, [clearError, loadGroup, groupId]);

  const member = group?.status === 'member';
  return (
    <Dialog title={group ? `${group.name}: ${group.members.length} member${group.members.length === 1 ? '' : 's'}` : 'Members'} onClose={onClose}>
      {error && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
      {group && (
        <>
          <ul className="members" aria-label="Members">
            {group.members.map((m) => (
              <MemberRow key={m.accountId} group={group} member={m} />
            ))}
          </ul>
          {group.admin && (
            <section aria-label="Add members" className="members__add">
              <h3>Add members</h3>
              <p className="muted">New members read only what is sent after they join.</p>
              <ContactPicker contacts={contacts} picked={picked} onChange={setPicked} exclude={group.members.map((m) => m.accountId)} />
              <button type="button" className="button" disabled={picked.length === 0} onClick={() => void addMembers(group.id, picked).then((ok) => ok && setPicked([]))}>
                Add to group
              </button>
            </section>
          )}
          {member && (
            <div className="row row--end">
              {confirmLeave ? (
                <>
                  <span>Leave “{group.name}”? You will not receive its messages any more.</span>
                  <button type="button" className="button button--secondary" onClick={() => setConfirmLeave(false)}>
                    Stay
                  </button>
                  <button type="button" className="button button--danger" onClick={() => void leave(group.id).then((ok) => ok && onClose())}>
                    Leave
                  </button>
                </>
              ) : (
                <button type="button" className="button button--secondary" onClick={() => setConfirmLeave(true)}>
                  Leave group
                </button>
              )}
            </div>
          )}
        </>
      )}
    </Dialog>
  );
}
