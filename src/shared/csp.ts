/**
 * The renderer's Content-Security-Policy. Production allows nothing remote,
 * no eval and no inline script. Development (`npm run dev`) additionally
 * allows what Vite's hot reload needs, and only from the local dev server.
 */
const base: Record<string, string[]> = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'media-src': ["'self'", 'blob:', 'mediastream:'],
  'worker-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-src': ["'none'"],
  'frame-ancestors': ["'none'"],
};

function render(directives: Record<string, string[]>): string {
  return Object.entries(directives)
    .map(([k, v]) => `${k} ${v.join(' ')}`)
    .join('; ');
}

/** Sent as an HTTP header by the app:// protocol handler. */
export const PRODUCTION_CSP = render(base);

/** The same policy for the <meta> tag, which cannot carry `frame-ancestors`. */
export const PRODUCTION_META_CSP = render(withoutFrameAncestors(base));

function withoutFrameAncestors(d: Record<string, string[]>): Record<string, string[]> {
  const { 'frame-ancestors': _ignored, ...rest } = d;
  return rest;
}

/** Vite's dev server injects its client and React refresh preamble inline and styles as <style>. */
export function developmentCsp(devOrigin: string): string {
  const ws = devOrigin.replace(/^http/, 'ws');
  return render({
    ...withoutFrameAncestors(base),
    'script-src': ["'self'", "'unsafe-inline'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    'connect-src': ["'self'", devOrigin, ws],
  });
}
