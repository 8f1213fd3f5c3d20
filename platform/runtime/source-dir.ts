// The source-tree folder of a module, whether it runs from source (tsx, vitest) or compiled
// under dist/: scripts that read or write files beside themselves (bench/results, .proto
// files, ../shared/bench) then find the same paths either way.
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// This file is platform/runtime/source-dir.{ts,js}: two folders up is the repository root, or dist/.
const up = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ROOT = up.split(sep).pop() === 'dist' ? dirname(up) : up;
const DIST = join(ROOT, 'dist');

/** `dirname(fileURLToPath(metaUrl))`, mapped from dist/... to the matching source folder. */
export function sourceDir(metaUrl: string): string {
  const here = dirname(fileURLToPath(metaUrl));
  const rel = relative(DIST, here);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && !/^[A-Za-z]:/.test(rel)) ? join(ROOT, rel) : here;
}
