// Writes `{"line": n, "cluster": "<id>", "template": "<text>"}` per mined line (the Loghub-2k
// result format) straight into byte buffers: everything after the line number is encoded once
// per label, so a line costs its digits and one copy, with no string built or UTF-8 encoded.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { ResolvedLabels } from '../../detectors/logs/template-miner/label.js';

const BATCH = 1 << 20;
const PREFIX = Buffer.from('{"line": ');
/** Decimal digits of the largest line number (2^53). */
const MAX_DIGITS = 16;

/** Writes lines 1..`lines` of `labels` to `path` (created or truncated). */
export function writeLabelsJsonl(path: string, lines: number, labels: ResolvedLabels): void {
  const suffixes = labels.distinct.map((l) => Buffer.from(`, "cluster": ${JSON.stringify(l.cluster)}, "template": ${JSON.stringify(l.template)}}\n`));
  const longest = suffixes.reduce((m, s) => Math.max(m, s.length), 0);
  const buf = Buffer.allocUnsafe(Math.max(BATCH, PREFIX.length + MAX_DIGITS + longest));
  const fd = openSync(path, 'w');
  try {
    let pos = 0;
    for (let i = 0; i < lines; i++) {
      const suffix = suffixes[labels.labelIndex(i)]!;
      if (pos + PREFIX.length + MAX_DIGITS + suffix.length > buf.length) {
        writeAll(fd, buf, pos);
        pos = 0;
      }
      buf.set(PREFIX, pos);
      pos = writeDecimal(buf, pos + PREFIX.length, i + 1);
      buf.set(suffix, pos);
      pos += suffix.length;
    }
    writeAll(fd, buf, pos);
  } finally {
    closeSync(fd);
  }
}

/** Writes the digits of the positive integer `n` at `pos`; returns the position after them. */
function writeDecimal(buf: Buffer, pos: number, n: number): number {
  let digits = 1;
  for (let p = 10; p <= n; p *= 10) digits++;
  let at = pos + digits;
  do {
    buf[--at] = 48 + (n % 10);
    n = Math.floor(n / 10);
  } while (n > 0);
  return pos + digits;
}

function writeAll(fd: number, buf: Buffer, length: number): void {
  for (let off = 0; off < length; ) off += writeSync(fd, buf, off, length - off);
}
