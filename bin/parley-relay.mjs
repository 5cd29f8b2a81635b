#!/usr/bin/env node
// Runs the relay compiled to out/node by `npm run build:node` (run by
// `npm install`, `npm ci` and `npm run build`); without it, one sentence
// says how to build it. See bin/compiled.mjs.
import { runCompiled } from './compiled.mjs';

await runCompiled('relay.mjs', 'parley-relay');
