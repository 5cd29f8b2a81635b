import { useId, type ReactNode } from 'react';

/**
 * A labelled form control. The label points at the control with `htmlFor`
 * instead of wrapping it, so the control's accessible name is exactly the
 * label: a wrapping label would add the typed value to the name.
 */
export function Field({ label, children }: { label: string; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id} className="field__label">
        {label}
      </label>
      {children(id)}
    </div>
  );
}
