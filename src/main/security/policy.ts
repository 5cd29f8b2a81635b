/**
 * Window security decisions as pure functions, so they are unit-tested
 * without Electron. The shell wires them into Electron's hooks.
 */

/** The origin app content is served from in the packaged app. */
export const APP_ORIGIN = 'app://parley';

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
