/** QR codes as SVG text, made in main (the renderer shows them as data: images). */
import QRCode from 'qrcode';

/** Renders a text (such as an invite or link code) as a QR code in SVG for the window to show. */
export function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, color: { dark: '#000000', light: '#ffffff' } });
}

/** Renders raw bytes (such as a safety number payload) as a byte-mode QR code in SVG. */
export function qrSvgBytes(bytes: Uint8Array): Promise<string> {
  return QRCode.toString([{ data: bytes, mode: 'byte' }], { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
