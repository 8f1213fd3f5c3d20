// Picks the code a command runs: the compiled dist/ (`npm run build`) when every source file has
// a compiled file at least as new, else the TypeScript sources through tsx, said on stderr. So
// an edited checkout never runs stale JavaScript silently, and a built one starts without tsx
// (tsx's on-the-fly compile costs seconds of CPU per command). AIOPS_FROM_SOURCE=1 forces tsx.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
// The folders tsconfig.build.json compiles.
const SOURCE_DIRS = ['cli', 'platform', 'ingest', 'detectors', 'correlator', 'api', 'models', 'demo', 'bench', 'sink'];
const SKIP_DIRS = new Set(['results', 'node_modules']);

function* sources(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) yield* sources(p);
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) yield p;
  }
}

/** Why dist/ cannot be trusted for this checkout, or undefined when it can. */
export function staleReason() {
  if (!existsSync(DIST)) return 'dist/ is missing';
  for (const dir of SOURCE_DIRS) {
    for (const src of sources(join(ROOT, dir))) {
      const rel = relative(ROOT, src);
      const out = join(DIST, rel.replace(/\.ts$/, '.js'));
      let built;
      try {
        built = statSync(out).mtimeMs;
      } catch {
        return `dist/ has no ${relative(ROOT, out)} for ${rel}`;
      }
      if (statSync(src).mtimeMs > built) return `${rel} is newer than dist/`;
    }
  }
  return undefined;
}

/** Runs the entry module `sourceRel` (e.g. cli/main.ts) in this process, from dist/ when it is current. */
export async function runEntry(sourceRel) {
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
