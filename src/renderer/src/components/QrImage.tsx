/** Renders an SVG QR code produced by main as an image (data: URLs are allowed by the CSP). */
export function QrImage({ svg, label, size = 220 }: { svg: string; label: string; size?: number }) {
  return <img className="qr" src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`} alt={label} width={size} height={size} />;
}
