#!/usr/bin/env node
// Installed entry point. Runs the CLI in this very process (no wrapper holding the pid), so
// `kill <pid>` reaches the pipeline: compiled dist/ when current, else the sources via tsx.
import { runEntry } from './compiled.js';

await runEntry('cli/main.ts');
