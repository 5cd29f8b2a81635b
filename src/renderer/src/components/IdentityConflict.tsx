import { useEffect, useState } from 'react';
import type { IdentityChoice } from '../../../shared/contract';
import { parley } from '../bridge';
import { useStore } from '../store/root';

const CHOICES: readonly IdentityChoice[] = ['first', 'second'];

/**
 * Two different key changes arrived for one contact (issue 13 §1): someone
 * else holds their old key. Neither is accepted and sending stays blocked
 * until the user compares both safety numbers with the contact and picks the
 * one that matches.
 */
export function IdentityConflict({ contactId, title }: { contactId: string; title: string }) {
  const acceptIdentityChange = useStore((s) => s.acceptIdentityChange);
  const [numbers, setNumbers] = useState<Partial<Record<IdentityChoice, string[]>>>({});
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    for (const choice of CHOICES) {
      void parley.getSafetyNumber({ contactId, choice }).then((r) => (r.ok ? setNumbers((n) => ({ ...n, [choice]: r.value.groups })) : setError(r.message)));
    }
  }, [contactId]);

  return (
    <div className="warning warning--danger" role="alert" aria-label="Conflicting safety numbers">
      <p>
        <strong>Two different new safety numbers arrived for {title}.</strong> Only one can be theirs: someone else holds their old key
        and is trying to take their place. Sending is blocked. Compare both numbers with {title} in person or on a call, and keep only the
        one that matches what their screen shows.
      </p>
      {error && <p className="error">{error}</p>}
      {CHOICES.map((choice) => (
        <div key={choice} className="conflict-choice">
          <div className="safety" role="group" aria-label={`Safety number ${choice === 'first' ? 'A' : 'B'}`}>
            {(numbers[choice] ?? []).map((g, i) => (
              <span key={i}>{g}</span>
            ))}
          </div>
          <button type="button" className="button button--secondary" onClick={() => void acceptIdentityChange(contactId, choice)}>
            {title} shows {choice === 'first' ? 'A' : 'B'}: keep it
          </button>
        </div>
      ))}
    </div>
  );
}
