import { useState } from 'react';
import { LINK_DEVICE_NAME_MAX_BYTES } from '../../../../shared/constants';
import type { SessionDto } from '../../../../shared/contract';
import { Field } from '../../components/Field';
import { NO_PROTECTION, ProtectionFields, protectionInput, protectionProblem, type Protection } from '../../components/ProtectionFields';
import type { NewDeviceInput } from '../../store/link/state';

/** The name a linked desktop gets unless the user types another. */
export const DEFAULT_DEVICE_NAME = 'My desktop';

/** The fields a new desktop fills in before linking or restoring: its name and store protection. */
export interface NewDeviceForm {
  readonly deviceName: string;
  readonly protection: Protection;
}

/** The form's value as the contract takes it, or the sentence that says what to fix. */
export function newDeviceInput(f: NewDeviceForm): { ok: true; input: NewDeviceInput } | { ok: false; problem: string } {
  const deviceName = f.deviceName.trim();
  if (deviceName.length === 0) return { ok: false, problem: 'Give this desktop a name, so you can tell your devices apart.' };
  if (new TextEncoder().encode(deviceName).length > LINK_DEVICE_NAME_MAX_BYTES) return { ok: false, problem: `A device name is at most ${LINK_DEVICE_NAME_MAX_BYTES} bytes; choose a shorter one.` };
  const problem = protectionProblem(f.protection);
  if (problem) return { ok: false, problem };
  return { ok: true, input: { deviceName, ...protectionInput(f.protection) } };
}

/** State for the new-device form, starting from the default name and no protection. */
export function useNewDeviceForm() {
  return useState<NewDeviceForm>({ deviceName: DEFAULT_DEVICE_NAME, protection: NO_PROTECTION });
}

/** This desktop's name and how its store is protected: what linking and restoring both ask first. */
export function NewDeviceFields({ keychain, value, onChange, disabled }: { keychain: SessionDto['keychain'] | undefined; value: NewDeviceForm; onChange: (next: NewDeviceForm) => void; disabled: boolean }) {
  return (
    <>
      <Field label="Device name">
        {(id) => (
          <>
            <input id={id} value={value.deviceName} onChange={(e) => onChange({ ...value, deviceName: e.target.value })} autoComplete="off" spellCheck={false} disabled={disabled} />
            <small className="muted">Shown in your list of devices, so you can tell your desktops apart.</small>
          </>
        )}
      </Field>
      <ProtectionFields keychain={keychain} value={value.protection} onChange={(protection) => onChange({ ...value, protection })} disabled={disabled} />
    </>
  );
}
