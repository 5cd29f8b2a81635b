import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createServer } from 'vite';
import { PRODUCTION_CSP, PRODUCTION_META_CSP, metaCspOf, parseCsp, withMetaCsp } from '../../../src/shared/csp';
import { contentSecurityPolicy } from '../../../electron.vite.config';
import { repoRoot } from '../../support/paths';

const indexHtml = path.join(repoRoot, 'src/renderer/index.html');

describe('the CSP <meta> tag in index.html', () => {
  it('carries exactly the policy main sends as a header, less frame-ancestors which a <meta> cannot carry', () => {
    const meta = metaCspOf(readFileSync(indexHtml, 'utf8'));
    expect(meta).toBe(PRODUCTION_META_CSP);
    const { 'frame-ancestors': frameAncestors, ...header } = parseCsp(PRODUCTION_CSP);
    expect(frameAncestors).toEqual(["'none'"]);
    expect(parseCsp(meta!)).toEqual(header);
  });

  it('comes before every script and stylesheet, so it governs them all', () => {
    const html = readFileSync(indexHtml, 'utf8');
    const metaAt = html.search(/<meta\s+http-equiv="Content-Security-Policy"/i);
    expect(metaAt).toBeGreaterThan(-1);
    for (const tag of ['<script', '<link', '<style']) {
      const at = html.indexOf(tag);
      if (at !== -1) expect(at, tag).toBeGreaterThan(metaAt);
    }
  });

  it('replaces only the policy when a page is given another one', () => {
    const html = '<head><meta http-equiv="Content-Security-Policy" content="default-src \'none\'" /><title>x</title></head>';
    expect(withMetaCsp(html, "default-src 'self'")).toBe(html.replace("default-src 'none'", "default-src 'self'"));
    expect(metaCspOf('<head></head>')).toBeNull();
  });
});

describe('the build plugin that owns the tag', () => {
  const plugin = contentSecurityPolicy();
  const transform = plugin.transformIndexHtml as (html: string) => string;

  it('passes the production tag through unchanged in a build', () => {
    const html = readFileSync(indexHtml, 'utf8');
    expect(transform(html)).toBe(html);
  });

  it('fails the build when index.html and src/shared/csp.ts disagree', () => {
    const html = withMetaCsp(readFileSync(indexHtml, 'utf8'), "default-src *; script-src 'self' 'unsafe-eval'");
    expect(() => transform(html)).toThrow(/must equal PRODUCTION_META_CSP/);
    expect(() => transform('<head></head>')).toThrow(/must equal PRODUCTION_META_CSP/);
  });

  it('serves the development policy from the Vite dev server, allowing only that server', async () => {
    const server = await createServer({
      configFile: false,
      root: path.join(repoRoot, 'src/renderer'),
      plugins: [contentSecurityPolicy()],
      server: { host: '127.0.0.1', port: 0 },
      logLevel: 'silent',
    });
    try {
      await server.listen();
      const address = server.httpServer?.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const html = await (await fetch(`http://127.0.0.1:${port}/`)).text();
      const policy = parseCsp(metaCspOf(html)!);
      expect(policy['connect-src']).toEqual(["'self'", `http://localhost:${port}`, `ws://localhost:${port}`].sort());
      expect(policy['script-src']).toContain("'unsafe-inline'");
      expect(policy['script-src']).not.toContain("'unsafe-eval'");
      expect(policy['default-src']).toEqual(["'none'"]);
    } finally {
      await server.close();
    }
  });
});
