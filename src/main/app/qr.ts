/** QR codes as SVG text, made in main (the renderer shows them as data: images). */
import QRCode from 'qrcode';

export function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, color: { dark: '#000000', light: '#ffffff' } });
}

export function qrSvgBytes(bytes: Uint8Array): Promise<string> {
  return QRCode.toString([{ data: bytes, mode: 'byte' }], { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
