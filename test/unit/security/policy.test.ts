import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { isNavigationAllowed, isPermissionAllowed, isRequestAllowed } from '../../../src/main/security/policy';
import { resolveAppPath } from '../../../src/main/security/appProtocol';
import { PRODUCTION_CSP, PRODUCTION_META_CSP, developmentCsp } from '../../../src/shared/csp';

const APP = 'app://parley';

describe('window security policy', () => {
  it('allows navigation only within the app origin', () => {
    expect(isNavigationAllowed('app://parley/index.html', APP)).toBe(true);
    expect(isNavigationAllowed('https://example.com/', APP)).toBe(false);
    expect(isNavigationAllowed('file:///etc/passwd', APP)).toBe(false);
    expect(isNavigationAllowed('app://parley.evil/', APP)).toBe(false);
    expect(isNavigationAllowed('javascript:alert(1)', APP)).toBe(false);
  });

  it('grants only the camera, only to the app itself', () => {
    expect(isPermissionAllowed({ permission: 'media', requestingUrl: 'app://parley/', mediaTypes: ['video'] }, APP)).toBe(true);
    expect(isPermissionAllowed({ permission: 'media', requestingUrl: 'app://parley/', mediaTypes: ['audio'] }, APP)).toBe(false);
    expect(isPermissionAllowed({ permission: 'media', requestingUrl: 'app://parley/', mediaTypes: ['video', 'audio'] }, APP)).toBe(false);
    expect(isPermissionAllowed({ permission: 'media', requestingUrl: 'app://parley/', mediaTypes: [] }, APP)).toBe(false);
    expect(isPermissionAllowed({ permission: 'media', requestingUrl: 'https://x.test/', mediaTypes: ['video'] }, APP)).toBe(false);
    for (const permission of ['geolocation', 'notifications', 'clipboard-read', 'openExternal', 'midi', 'fullscreen']) {
      expect(isPermissionAllowed({ permission, requestingUrl: 'app://parley/' }, APP), permission).toBe(false);
    }
  });

  it('blocks every request to a remote origin', () => {
    expect(isRequestAllowed('app://parley/assets/x.js', APP)).toBe(true);
    expect(isRequestAllowed('data:image/png;base64,AA', APP)).toBe(true);
    expect(isRequestAllowed('https://fonts.example/x.woff2', APP)).toBe(false);
    expect(isRequestAllowed('http://127.0.0.1:8787/', APP)).toBe(false);
  });

  it('has a CSP with no remote origins, no eval and no inline script', () => {
    for (const csp of [PRODUCTION_CSP, PRODUCTION_META_CSP]) {
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self';");
      expect(csp).not.toContain('unsafe-eval');
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toMatch(/https?:/);
    }
    expect(PRODUCTION_CSP).toContain("frame-ancestors 'none'");
    expect(developmentCsp('http://localhost:5173')).not.toContain('unsafe-eval');
  });
});

describe('the app:// file mapping', () => {
  const root = path.resolve('/srv/renderer');

  it('maps app URLs to files inside the renderer folder', () => {
    expect(resolveAppPath(root, 'app://parley/', APP)).toBe(path.join(root, 'index.html'));
    expect(resolveAppPath(root, 'app://parley/assets/a.js', APP)).toBe(path.join(root, 'assets/a.js'));
  });

  it('refuses traversal, encoded traversal, NUL bytes and foreign hosts', () => {
    for (const url of [
      'app://parley/../../etc/passwd',
      'app://parley/%2e%2e/%2e%2e/etc/passwd',
      'app://parley/assets/..%2f..%2f..%2fetc%2fpasswd',
      'app://parley/a%00.js',
      'app://other/index.html',
      'app://parley/%E0%A4%A',
      'file:///etc/passwd',
    ]) {
      const file = resolveAppPath(root, url, APP);
      expect(file === null || file.startsWith(root + path.sep), url).toBe(true);
    }
    expect(resolveAppPath(root, 'app://other/index.html', APP)).toBeNull();
    expect(resolveAppPath(root, 'app://parley/a%00.js', APP)).toBeNull();
  });
});
