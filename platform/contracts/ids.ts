// Stable ids: the same logical record always gets the same id, so replays are idempotent.
import { createHash } from 'node:crypto';

/** Hashes the parts with an unambiguous separator (a 0x1f unit separator and each part's length). */
export function stableId(prefix: string, ...parts: ReadonlyArray<string | number>): string {
  const h = createHash('sha256');
  for (const p of parts) {
    const s = String(p);
    h.update(`${s.length}\u001f${s}\u001f`);
  }
  return `${prefix}_${h.digest('hex').slice(0, 24)}`;
}
