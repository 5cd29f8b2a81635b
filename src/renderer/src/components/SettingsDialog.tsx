import { useEffect, useState } from 'react';
import { useStore } from '../store/root';
import { selectSettings } from '../store/settings/selectors';
import { Dialog } from './Dialog';
import { Field } from './Field';
import { BackupSection } from './BackupSection';
import { RotatePhraseSection } from './RotatePhraseSection';
import { SecuritySection } from './SecuritySection';
import { ExportSection } from './ExportSection';

/** Dialog for the privacy switches and relay address, with the backup, recovery phrase, security and export sections. */
export function SettingsDialog({ onClose }: { onClose: () => void }) {
  const settings = useStore(selectSettings);
  const load = useStore((s) => s.loadSettings);
  const update = useStore((s) => s.updateSettings);
  const [relay, setRelay] = useState('');
  useEffect(() => void load(), [load]);
  useEffect(() => setRelay(settings?.relayUrl ?? ''), [settings?.relayUrl]);
  if (!settings) return null;
  const toggle = (key: 'typingIndicators' | 'readReceipts' | 'notificationPreviews', label: string, hint: string) => (
    <label className="checkbox">
      <input type="checkbox" checked={settings[key]} onChange={(e) => void update({ [key]: e.target.checked })} />
      <span>
        {label}
        <small className="muted"> — {hint}</small>
      </span>
    </label>
  );
  return (
    <Dialog title="Settings" onClose={onClose}>
      <fieldset className="field">
        <legend>Privacy</legend>
        {toggle('typingIndicators', 'Typing indicators', 'show and send “is typing”')}
        {toggle('readReceipts', 'Read receipts', 'let contacts see when you have read their messages')}
        {toggle('notificationPreviews', 'Message previews in notifications', 'never shown while Parley is locked')}
      </fieldset>
      <form
        className="field"
        onSubmit={(e) => {
          e.preventDefault();
          void update({ relayUrl: relay.trim() });
        }}
      >
        <Field label="Relay address">
          {(id) => (
            <input id={id} value={relay} onChange={(e) => setRelay(e.target.value)} spellCheck={false} />
          )}
        </Field>
        <button type="submit" className="button button--secondary" disabled={relay.trim() === settings.relayUrl}>
          Save relay
        </button>
      </form>
      <BackupSection />
      <RotatePhraseSection />
      <SecuritySection />
      <ExportSection />
    </Dialog>
  );
}
