// Picks the code a command runs: the compiled dist/ (`npm run build`) when every source file has
// a compiled file at least as new, else the TypeScript sources through tsx, said on stderr. So
// an edited checkout never runs stale JavaScript silently, and a built one starts without tsx
// (tsx's on-the-fly compile costs seconds of CPU per command). AIOPS_FROM_SOURCE=1 forces tsx.
import { existsSync, readdirSync, statSync } from 'node:fs';
import module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
// The folders tsconfig.build.json compiles.
const SOURCE_DIRS = ['cli', 'platform', 'ingest', 'detectors', 'correlator', 'api', 'models', 'demo', 'bench', 'sink'];
const SKIP_DIRS = new Set(['results', 'node_modules']);

/**
 * Why dist/ cannot be trusted for this checkout, or undefined when it can. Runs before every
 * command, so it stays cheap (about 4 ms for 170 sources): plain string paths, no exceptions for
 * a missing output, no node:path calls per file.
 */
export function staleReason() {
  if (!existsSync(DIST)) return 'dist/ is missing';
  const pending = [...SOURCE_DIRS];
  while (pending.length > 0) {
    const dir = pending.pop();
    let entries;
    try {
      entries = readdirSync(`${ROOT}${dir}`, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) pending.push(rel);
      } else if (rel.endsWith('.ts') && !rel.endsWith('.d.ts')) {
        const out = `dist/${rel.slice(0, -3)}.js`;
        const built = statSync(`${ROOT}${out}`, { throwIfNoEntry: false });
        if (built === undefined) return `dist/ has no ${out} for ${rel}`;
        if (statSync(`${ROOT}${rel}`).mtimeMs > built.mtimeMs) return `${rel} is newer than dist/`;
      }
    }
  }
  return undefined;
}

/**
 * Node 22.1+ can keep V8's compiled code of every module on disk, so a command's second start
 * skips most parsing and compiling. Node 20 has no such call (nothing changes there). An
 * unwritable directory only turns the cache off (Node reports, never throws); NODE_COMPILE_CACHE,
 * when set, has already chosen the directory and NODE_DISABLE_COMPILE_CACHE=1 turns it off.
 */
function enableCompileCache() {
  if (typeof module.enableCompileCache !== 'function' || process.env.NODE_COMPILE_CACHE !== undefined) return;
  module.enableCompileCache(join(tmpdir(), 'aiops-compile-cache'));
}

/** Runs the entry module `sourceRel` (e.g. cli/main.ts) in this process, from dist/ when it is current. */
export async function runEntry(sourceRel) {
  enableCompileCache();
  const forced = process.env.AIOPS_FROM_SOURCE === '1';
  const reason = forced ? undefined : staleReason();
  if (!forced && reason === undefined) {
    await import(pathToFileURL(join(DIST, sourceRel.replace(/\.ts$/, '.js'))).href);
    return;
  }
  if (!forced) {
    const msg = `${reason}: running the TypeScript sources through tsx (slower start); \`npm run build\` compiles them`;
    process.stderr.write(`${JSON.stringify({ level: 'warn', msg, component: 'bin' })}\n`);
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(ROOT, sourceRel)).href);
}
