import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';
import type { Plugin, ViteDevServer } from 'vite';
import { PRODUCTION_META_CSP, developmentCsp, metaCspOf, withMetaCsp } from './src/shared/csp';

/**
 * index.html carries the production CSP as a <meta> tag. A build refuses an
 * index.html whose tag differs from src/shared/csp.ts; only `npm run dev`
 * swaps in the policy with Vite's HMR allowances.
 */
export function contentSecurityPolicy(): Plugin {
  let devServer: ViteDevServer | null = null;
  return {
    name: 'parley-csp',
    configureServer(server) {
      devServer = server;
    },
    transformIndexHtml(html) {
      if (metaCspOf(html) !== PRODUCTION_META_CSP) {
        throw new Error('src/renderer/index.html: the CSP <meta> tag must equal PRODUCTION_META_CSP in src/shared/csp.ts');
      }
      if (devServer === null) return html;
      // The port actually bound (Vite moves on when the configured one is taken).
      const address = devServer.httpServer?.address();
      const port = typeof address === 'object' && address !== null ? address.port : (devServer.config.server.port ?? 5173);
      return withMetaCsp(html, developmentCsp(`http://localhost:${port}`));
    },
  };
}

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: { input: { index: resolve('src/main/shell/index.ts') } },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload cannot require packages: bundle everything it uses.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    base: './',
    plugins: [react(), contentSecurityPolicy()],
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: { index: resolve('src/renderer/index.html') } },
    },
  },
});
