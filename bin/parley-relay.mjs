#!/usr/bin/env node
// Runs the relay from its TypeScript sources through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('../src/relay/main.ts');
