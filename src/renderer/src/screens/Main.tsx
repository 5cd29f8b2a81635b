import { useEffect } from 'react';
import { useStore } from '../store/root';
import { selectDialog } from '../store/ui/selectors';
import { Sidebar } from '../components/Sidebar';
import { ChatPane } from '../components/ChatPane';
import { AddContactDialog } from '../components/AddContactDialog';
import { SafetyNumberDialog } from '../components/SafetyNumberDialog';
import { SessionHealthDialog } from '../components/SessionHealthDialog';
import { SettingsDialog } from '../components/SettingsDialog';
import { DevicesDialog } from '../components/DevicesDialog';
import { CreateGroupDialog } from '../components/CreateGroupDialog';
import { GroupMembersDialog } from '../components/GroupMembersDialog';

/** The unlocked app: sidebar, open conversation and the dialog on top, if any. */
export function Main() {
  const dialog = useStore(selectDialog);
  const closeDialog = useStore((s) => s.closeDialog);
  const loadConversations = useStore((s) => s.loadConversations);
  const loadContacts = useStore((s) => s.loadContacts);
  const loadSettings = useStore((s) => s.loadSettings);
  const watchConversations = useStore((s) => s.watchConversations);
  const watchMessages = useStore((s) => s.watchMessages);
  const watchGroups = useStore((s) => s.watchGroups);

  useEffect(() => {
    void loadConversations();
    void loadContacts();
    void loadSettings();
    const a = watchConversations();
    const b = watchMessages();
    const c = watchGroups();
    return () => {
      a();
      b();
      c();
    };
  }, [loadConversations, loadContacts, loadSettings, watchConversations, watchMessages, watchGroups]);

  return (
    <div className="main">
      <Sidebar />
      <ChatPane />
      {dialog.kind === 'addContact' && <AddContactDialog onClose={closeDialog} />}
      {dialog.kind === 'safetyNumber' && <SafetyNumberDialog of={{ kind: 'contact', contactId: dialog.contactId }} onClose={closeDialog} />}
      {dialog.kind === 'memberSafetyNumber' && <SafetyNumberDialog of={{ kind: 'member', groupId: dialog.groupId, accountId: dialog.accountId }} onClose={closeDialog} />}
      {dialog.kind === 'createGroup' && <CreateGroupDialog onClose={closeDialog} />}
      {dialog.kind === 'groupMembers' && <GroupMembersDialog groupId={dialog.groupId} onClose={closeDialog} />}
      {dialog.kind === 'sessionHealth' && <SessionHealthDialog contactId={dialog.contactId} onClose={closeDialog} />}
      {dialog.kind === 'settings' && <SettingsDialog onClose={closeDialog} />}
      {dialog.kind === 'devices' && <DevicesDialog onClose={closeDialog} />}
    </div>
  );
}
