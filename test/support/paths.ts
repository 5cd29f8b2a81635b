import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const rendererOut = path.join(repoRoot, 'out/renderer');
export const preloadOut = path.join(repoRoot, 'out/preload/index.cjs');
export const screenshotsDir = path.join(repoRoot, 'test-results/screens');
export const vectorsDir = path.resolve(repoRoot, '../shared/vectors');
