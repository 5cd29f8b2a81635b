import { DISAPPEARING_CHOICES } from '../../../shared/constants';
import { useStore } from '../store/root';
import { formatTimer } from './format';
import { Icon } from './Icon';

/** The disappearing-timer badge next to a chat's title (nothing when off). */
export function TimerBadge({ seconds }: { seconds: number | null }) {
  if (seconds === null) return null;
  return (
    <span className="timer-badge" aria-label={`Disappearing messages: ${formatTimer(seconds)}`}>
      <Icon name="timer" size={14} /> {formatTimer(seconds)}
    </span>
  );
}

/** The disappearing-timer choice of a conversation (a group's is its admins'). */
export function TimerSelect({ conversationId, seconds }: { conversationId: string; seconds: number | null }) {
  const setDisappearing = useStore((s) => s.setDisappearing);
  return (
    <label className="timer-select">
      <span className="sr-only">Disappearing messages</span>
      <select aria-label="Disappearing messages" value={seconds ?? ''} onChange={(e) => void setDisappearing(conversationId, e.target.value === '' ? null : Number(e.target.value))}>
        <option value="">Disappearing: off</option>
        {DISAPPEARING_CHOICES.map((s) => (
          <option key={s} value={s}>
            Disappear after {formatTimer(s)}
          </option>
        ))}
      </select>
    </label>
  );
}
