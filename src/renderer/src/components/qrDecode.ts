/** Reads QR codes from camera frames or image files, entirely in the renderer (jsqr). */
import jsQR from 'jsqr';

function decodeFrom(source: CanvasImageSource, width: number, height: number): string | null {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) return null;
  ctx.drawImage(source, 0, 0, width, height);
  const image = ctx.getImageData(0, 0, width, height);
  return jsQR(image.data, width, height, { inversionAttempts: 'attemptBoth' })?.data ?? null;
}

/** The text of the QR code in an image file, or null if it holds none. */
export async function decodeQrFile(file: Blob): Promise<string | null> {
  const bitmap = await createImageBitmap(file);
  try {
    return decodeFrom(bitmap, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}

/** The text of a QR code in the video's current frame, or null. */
export function decodeQrVideo(video: HTMLVideoElement): string | null {
  if (video.videoWidth === 0) return null;
  return decodeFrom(video, video.videoWidth, video.videoHeight);
}
