import type { TransferProgressDto } from '../../../shared/contract';
import { formatBytes } from './format';

type Stage = TransferProgressDto['stage'];
type Line = { readonly label: string; readonly unit: 'bytes' | 'messages' | 'parts' | null };

const LINES: Record<TransferProgressDto['kind'], Partial<Record<Stage, Line>>> = {
  link: {
    waiting: { label: 'Waiting for your other desktop', unit: null },
    receiving: { label: 'Receiving history', unit: 'bytes' },
    importing: { label: 'Importing messages', unit: 'messages' },
    done: { label: 'Linked', unit: null },
  },
  provision: {
    packing: { label: 'Preparing history', unit: null },
    sending: { label: 'Sending history', unit: 'bytes' },
    done: { label: 'History sent', unit: null },
  },
  restore: {
    receiving: { label: 'Downloading backup', unit: 'parts' },
    importing: { label: 'Importing messages', unit: 'messages' },
    done: { label: 'Restored', unit: null },
  },
  export: {
    sending: { label: 'Exporting messages', unit: 'messages' },
    done: { label: 'Exported', unit: null },
  },
};

function amount(unit: Line['unit'], done: number, total: number | null): string {
  if (unit === 'bytes') return total === null ? formatBytes(done) : `${formatBytes(done)} of ${formatBytes(total)}`;
  const n = (x: number) => x.toLocaleString();
  if (unit === 'messages') return total === null ? n(done) : `${n(done)} of ${n(total)}`;
  if (unit === 'parts') return total === null ? `part ${n(done)}` : `part ${n(done)} of ${n(total)}`;
  return '';
}

/** One line and a labelled progress bar for a long transfer (linking, provisioning, restoring). */
export function TransferProgress({ progress }: { progress: TransferProgressDto }) {
  const line = LINES[progress.kind][progress.stage];
  if (!line) return null;
  const text = amount(line.unit, progress.done, progress.total);
  const finished = progress.stage === 'done';
  const measured = line.unit !== null && progress.total !== null && progress.total > 0;
  return (
    <div className="transfer" role="status">
      <span className="transfer__line">
        {line.label}
        {text ? `: ${text}` : finished ? '.' : '…'}
      </span>
      {!finished &&
        (measured ? (
          <progress aria-label={line.label} max={progress.total!} value={Math.min(progress.done, progress.total!)} />
        ) : (
          <progress aria-label={line.label} />
        ))}
    </div>
  );
}
