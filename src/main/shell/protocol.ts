/**
 * Serves the built renderer over `app://parley` with path checks and the
 * production CSP header. No other origin ever loads into the window.
 */
import { protocol } from 'electron';
import { readFile } from 'node:fs/promises';
import { PRODUCTION_CSP } from '../../shared/csp';
import { mimeType, resolveAppPath } from '../security/appProtocol';
import { APP_ORIGIN } from '../security/policy';

/** Must run before `app.whenReady()`. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } },
  ]);
}

/** Answers app:// requests with the built renderer's files and the production CSP; anything outside the root is a 404. */
export function serveRenderer(rendererRoot: string): void {
  protocol.handle('app', async (request) => {
    const file = resolveAppPath(rendererRoot, request.url, APP_ORIGIN);
    if (file === null) return new Response('Not found', { status: 404 });
    try {
      const body = await readFile(file);
      return new Response(body, {
        headers: {
          'content-type': mimeType(file),
          'content-security-policy': PRODUCTION_CSP,
          'x-content-type-options': 'nosniff',
          'cross-origin-opener-policy': 'same-origin',
        },
      });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  });
}
