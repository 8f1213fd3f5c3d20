#!/usr/bin/env node
// `node bin/run.js bench/ingest.ts [args]`: runs one TypeScript entry script (the npm bench
// scripts) in this process, compiled from dist/ when current, else through tsx (see compiled.js).
import { runEntry } from './compiled.js';

const [entry, ...rest] = process.argv.slice(2);
if (entry === undefined || !entry.endsWith('.ts')) {
  process.stderr.write('usage: node bin/run.js <path/to/entry.ts> [args...]\n');
  process.exit(2);
}
// The script sees its own arguments where it would under `tsx entry.ts args`.
process.argv = [process.argv[0], entry, ...rest];
await runEntry(entry);
