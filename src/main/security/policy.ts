/**
 * Window security decisions as pure functions, so they are unit-tested
 * without Electron. The shell wires them into Electron's hooks.
 */

/** The origin app content is served from in the packaged app. */
export const APP_ORIGIN = 'app://parley';

/** The `scheme://host[:port]` of `url`, or null when it does not parse. */
export function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return null;
  }
}

/** Navigation never leaves the app: the only allowed target is the app's own origin (a reload). */
export function isNavigationAllowed(targetUrl: string, appOrigin: string): boolean {
  return originOf(targetUrl) === originOf(appOrigin);
}

/** A permission request as the session hands it to the shell. */
export interface PermissionRequest {
  readonly permission: string;
  readonly requestingUrl: string;
  /** For `media`: which devices are asked for. */
  readonly mediaTypes?: readonly string[];
}

/** Every permission is denied except the camera (video only) for QR scanning, from the app itself. */
export function isPermissionAllowed(req: PermissionRequest, appOrigin: string): boolean {
  if (originOf(req.requestingUrl) !== originOf(appOrigin)) return false;
  if (req.permission !== 'media') return false;
  const types = req.mediaTypes ?? [];
  return types.length > 0 && types.every((t) => t === 'video');
}

/** Requests the renderer may make at all: its own origin, data/blob URLs, and dev tools in dev. */
export function isRequestAllowed(url: string, appOrigin: string): boolean {
  if (url.startsWith('data:') || url.startsWith('blob:') || url.startsWith('devtools:')) return true;
  const origin = originOf(url);
  if (origin === null) return false;
  if (origin === originOf(appOrigin)) return true;
  // Dev server hot-reload socket shares the dev origin's host and port.
  const app = originOf(appOrigin);
  return app !== null && app.startsWith('http://') && origin === app.replace(/^http/, 'ws');
}

/** Hosts a dev server may be named by: this machine only. */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** What decides whether the environment may redirect what the app loads. */
export interface LaunchInputs {
  /** `app.isPackaged`: true in an installed build. */
  readonly isPackaged: boolean;
  /** The process environment (only the variables each function names are read). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * The dev server URL to load the renderer from, or null to serve the built
 * renderer over `app://parley`. `ELECTRON_RENDERER_URL` is honoured only in
 * an unpackaged app started by `electron-vite dev` (which sets
 * `NODE_ENV_ELECTRON_VITE=development`), and only for an http(s) URL on
 * loopback: an installed build, or `npm start`, never trusts an origin named
 * by the environment.
 */
export function rendererDevUrl(inputs: LaunchInputs): string | null {
  if (inputs.isPackaged) return null;
  if (inputs.env['NODE_ENV_ELECTRON_VITE'] !== 'development') return null;
  const raw = inputs.env['ELECTRON_RENDERER_URL'];
  if (raw === undefined || raw === '') return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null; // not a URL: fall back to the built renderer, which is always safe
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (!LOOPBACK_HOSTS.has(url.hostname)) return null;
  if (url.username !== '' || url.password !== '') return null;
  return `${url.protocol}//${url.host}`;
}

/**
 * The path of a native SQLite addon named by `PARLEY_SQLITE_BINDING`, or
 * undefined to use the addon shipped with the app. Only an unpackaged app
 * (`npm start`, which builds an Electron-ABI copy) honours it: in an
 * installed build the variable would load any native code into main.
 */
export function sqliteBindingOverride(inputs: LaunchInputs): string | undefined {
  if (inputs.isPackaged) return undefined;
  const binding = inputs.env['PARLEY_SQLITE_BINDING'];
  return binding === undefined || binding === '' ? undefined : binding;
}
