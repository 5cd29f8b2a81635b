import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';
import type { Plugin } from 'vite';
import { PRODUCTION_META_CSP, developmentCsp } from './src/shared/csp';

/** Puts the CSP into index.html: strict in builds, with Vite's HMR allowances only under `npm run dev`. */
function contentSecurityPolicy(): Plugin {
  let policy = PRODUCTION_META_CSP;
  return {
    name: 'parley-csp',
    configureServer(server) {
      const port = server.config.server.port ?? 5173;
      policy = developmentCsp(`http://localhost:${port}`);
    },
    transformIndexHtml(html) {
      return html.replace(
        '<!-- csp -->',
        `<meta http-equiv="Content-Security-Policy" content="${policy}" />`,
      );
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
