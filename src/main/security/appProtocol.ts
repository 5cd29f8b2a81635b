/**
 * Maps an `app://parley/...` URL to a file inside the built renderer folder,
 * refusing anything that would escape it. Pure apart from `node:path`.
 */
import path from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

/** The Content-Type for a renderer file, by extension; unknown ones are served as opaque bytes. */
export function mimeType(file: string): string {
  return MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Returns the absolute file for `url`, or null when the URL is foreign or escapes `root`. */
export function resolveAppPath(root: string, url: string, appOrigin: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (`${u.protocol}//${u.host}` !== appOrigin) return null;
  let rel: string;
  try {
    rel = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  if (rel === '/' || rel === '') rel = '/index.html';
  const absRoot = path.resolve(root);
  const file = path.resolve(absRoot, `.${rel}`);
  if (file !== absRoot && !file.startsWith(absRoot + path.sep)) return null;
  return file;
}
