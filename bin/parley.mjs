#!/usr/bin/env node
// Runs the headless CLI compiled to out/node by `npm run build:node` (run by
// `npm install`, `npm ci` and `npm run build`). Without it, one sentence
// says how to build it: falling back to compiling TypeScript at run time
// would hide a broken install behind a start three times slower.
import { runCompiled } from './compiled.mjs';

await runCompiled('cli.mjs', 'parley');
