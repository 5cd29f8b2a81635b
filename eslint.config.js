// Lint, including the runtime boundaries: renderer code never imports Node,
// Electron or main-process code; only the Electron shell and the preload
// import `electron`; shared code is pure. test/unit/runtime-boundaries.test.ts
// enforces the same rules independently of the linter.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

const noNode = { paths: nodeBuiltins.map((name) => ({ name, message: 'Node modules are not available in this runtime.' })) };
const electronOnlyInShell = { name: 'electron', message: 'Only src/main/shell and src/preload may import electron.' };

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'test-results/**', 'dist/**', '.electron-native/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-empty-object-type': 'off',
      'no-console': 'off',
    },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['src/main/shell/**', 'src/preload/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [electronOnlyInShell] }],
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...noNode.paths, { name: 'electron', message: 'The renderer only talks to window.parley.' }],
          patterns: [
            { group: ['**/main/**', '**/preload/**', '**/relay/**', '**/cli/**'], message: 'The renderer may import only renderer and shared code.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...noNode.paths, { name: 'electron', message: 'Shared code is pure.' }],
          patterns: [{ group: ['**/main/**', '**/preload/**', '**/renderer/**', '**/relay/**', '**/cli/**'], message: 'Shared code imports only shared code.' }],
        },
      ],
    },
  },
  {
    files: ['src/relay/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronOnlyInShell],
          patterns: [{ group: ['**/main/**', '**/preload/**', '**/renderer/**', '**/cli/**'], message: 'The relay imports only relay and shared code.' }],
        },
      ],
    },
  },
);
