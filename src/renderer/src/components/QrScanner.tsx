import { useEffect, useRef, useState } from 'react';
import { decodeQrVideo } from './qrDecode';

/** Camera preview that reports the first QR code it sees, then stops the camera. */
export function QrScanner({ onCode, onClose }: { onCode: (text: string) => void; onClose: () => void }) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let stream: MediaStream | null = null;
    let timer: ReturnType<typeof setInterval> | null = null;
    let stopped = false;
    const stop = () => {
      stopped = true;
      if (timer) clearInterval(timer);
      stream?.getTracks().forEach((t) => t.stop());
    };
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: 'user' }, audio: false })
      .then((s) => {
        if (stopped) return s.getTracks().forEach((t) => t.stop());
        stream = s;
        const video = videoRef.current!;
        video.srcObject = s;
        void video.play();
        timer = setInterval(() => {
          const text = decodeQrVideo(video);
          if (text) {
            stop();
            onCode(text);
          }
        }, 200);
      })
      .catch(() => setError('Parley could not use the camera. Paste the code or open a picture of the QR code instead.'));
    return stop;
  }, [onCode]);

  return (
    <div className="scanner">
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : (
        <video ref={videoRef} className="scanner__video" muted playsInline aria-label="Camera preview" />
      )}
      <button type="button" className="button button--secondary" onClick={onClose}>
        Stop scanning
      </button>
    </div>
  );
}
