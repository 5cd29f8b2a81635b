import { describe, expect, it } from 'vitest';
import { rendererDevUrl, sqliteBindingOverride } from '../../../src/main/security/policy';
import { FORBIDDEN_MENU_ROLES, forbiddenMenuRoles, packagedMenuTemplate, type MenuShape } from '../../../src/main/security/menu';

const DEV = { NODE_ENV_ELECTRON_VITE: 'development', ELECTRON_RENDERER_URL: 'http://localhost:5173' };

describe('where the renderer is loaded from', () => {
  it('uses the dev server only in an unpackaged app started by electron-vite dev', () => {
    expect(rendererDevUrl({ isPackaged: false, env: DEV })).toBe('http://localhost:5173');
    expect(rendererDevUrl({ isPackaged: false, env: { ...DEV, ELECTRON_RENDERER_URL: 'http://127.0.0.1:5174/' } })).toBe(
      'http://127.0.0.1:5174',
    );
    expect(rendererDevUrl({ isPackaged: false, env: { ...DEV, ELECTRON_RENDERER_URL: 'https://[::1]:5173' } })).toBe('https://[::1]:5173');
  });

  it('ignores ELECTRON_RENDERER_URL in a packaged build, whatever else the environment says', () => {
    expect(rendererDevUrl({ isPackaged: true, env: DEV })).toBeNull();
    expect(rendererDevUrl({ isPackaged: true, env: { ELECTRON_RENDERER_URL: 'https://evil.example' } })).toBeNull();
  });

  it('ignores ELECTRON_RENDERER_URL in an unpackaged app that is not in dev mode (npm start)', () => {
    expect(rendererDevUrl({ isPackaged: false, env: { ELECTRON_RENDERER_URL: 'http://localhost:5173' } })).toBeNull();
    expect(rendererDevUrl({ isPackaged: false, env: { ...DEV, NODE_ENV_ELECTRON_VITE: 'production' } })).toBeNull();
  });

  it('refuses a dev URL that is not http(s) on this machine', () => {
    for (const url of [
      'https://evil.example:5173',
      'http://localhost.evil.example:5173',
      'http://192.168.1.5:5173',
      'file:///tmp/index.html',
      'app://parley',
      'javascript:alert(1)',
      'http://user:pw@localhost:5173',
      'not a url',
      '',
    ]) {
      expect(rendererDevUrl({ isPackaged: false, env: { ...DEV, ELECTRON_RENDERER_URL: url } }), url).toBeNull();
    }
  });
});

describe('the SQLite addon override', () => {
  it('honours PARLEY_SQLITE_BINDING only in an unpackaged app', () => {
    const env = { PARLEY_SQLITE_BINDING: '/tmp/evil.node' };
    expect(sqliteBindingOverride({ isPackaged: false, env })).toBe('/tmp/evil.node');
    expect(sqliteBindingOverride({ isPackaged: true, env })).toBeUndefined();
    expect(sqliteBindingOverride({ isPackaged: false, env: {} })).toBeUndefined();
  });
});

describe('the packaged application menu', () => {
  it('has no entry that opens DevTools on any platform', () => {
    for (const platform of ['darwin', 'linux', 'win32']) {
      const template = packagedMenuTemplate(platform);
      expect(template.length, platform).toBeGreaterThan(0);
      expect(forbiddenMenuRoles(template), platform).toEqual([]);
    }
  });

  it('keeps the Edit menu (copy and paste shortcuts) and, on macOS, the app menu', () => {
    expect(packagedMenuTemplate('darwin').map((e) => e.role)).toEqual(['appMenu', 'editMenu', 'windowMenu']);
    expect(packagedMenuTemplate('linux').some((e) => e.role === 'editMenu')).toBe(true);
  });

  it("finds the DevTools entries of Electron's default menu, even inside a submenu", () => {
    const electronDefault: MenuShape[] = [
      { role: 'fileMenu' },
      { role: 'editMenu' },
      { role: 'viewMenu' },
      { role: 'windowMenu' },
      { role: 'help', submenu: [{ role: 'toggleDevTools' }] },
    ];
    expect(forbiddenMenuRoles(electronDefault)).toEqual(['viewMenu', 'toggleDevTools']);
    expect(FORBIDDEN_MENU_ROLES).toContain('toggleDevTools');
  });
});
