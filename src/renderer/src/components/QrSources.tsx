import { useCallback, useRef, useState } from 'react';
import { QrScanner } from './QrScanner';
import { decodeQrFile } from './qrDecode';

/**
 * The two ways to read a QR code another screen shows: the camera, or a
 * picture of it (a screenshot, a photo). Reports the decoded text, or a
 * sentence when a picture holds no code (null clears it).
 */
export function QrSources({ onCode, onError }: { onCode: (text: string) => void; onError: (message: string | null) => void }) {
  const [scanning, setScanning] = useState(false);
  // The scanner restarts the camera when its callback changes; keep one for its lifetime.
  const latest = useRef(onCode);
  latest.current = onCode;
  const onScanned = useCallback((text: string) => {
    setScanning(false);
    latest.current(text);
  }, []);
  return (
    <>
      <div className="row">
        <button type="button" className="button button--secondary" onClick={() => setScanning((s) => !s)}>
          Scan with camera
        </button>
        <label className="button button--secondary file-button">
          Open QR image
          <input
            type="file"
            accept="image/*"
            aria-label="Open QR image"
            onChange={async (e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              onError(null);
              if (!file) return;
              const text = await decodeQrFile(file).catch(() => null);
              if (text) onCode(text);
              else onError('No QR code was found in that image.');
            }}
          />
        </label>
      </div>
      {scanning && <QrScanner onCode={onScanned} onClose={() => setScanning(false)} />}
    </>
  );
}
