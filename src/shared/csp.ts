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

/** Sent as an HTTP header by the app:// protocol handler (and the UI tests' server). */
export const PRODUCTION_CSP = render(base);

/**
 * The same policy for the <meta> tag written in `src/renderer/index.html`,
 * which cannot carry `frame-ancestors` (browsers ignore it there).
 */
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

const META_CSP = /(<meta\s+http-equiv="Content-Security-Policy"\s+content=")([^"]*)("\s*\/?>)/i;

/** The policy in an HTML page's CSP `<meta>` tag, or null when it has none. */
export function metaCspOf(html: string): string | null {
  return META_CSP.exec(html)?.[2] ?? null;
}

/** `html` with its CSP `<meta>` tag's policy replaced by `policy` (unchanged when there is no tag). */
export function withMetaCsp(html: string, policy: string): string {
  return html.replace(META_CSP, (_m, open: string, _old: string, close: string) => `${open}${policy}${close}`);
}

/** A policy as its directives, each with its sorted sources, for comparing two spellings. */
export function parseCsp(policy: string): Record<string, string[]> {
  const directives: Record<string, string[]> = {};
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) directives[name.toLowerCase()] = sources.sort();
  }
  return directives;
}
