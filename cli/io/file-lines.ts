// Reads a text file line by line, synchronously, at memory speed: the CLI's batch commands mine
// millions of lines and the read path must not cost more than the mining.
import { closeSync, openSync, readSync } from 'node:fs';
import { AiopsError } from '../../platform/errors/aiops-error.js';

const CHUNK = 1 << 20;
const NL = 0x0a;

/**
 * Calls `onLine` for every line of the file (\n or \r\n; a last line without a newline counts)
 * and `onBytes` with the bytes read so far after each chunk. Only whole lines are decoded: a
 * newline byte never occurs inside a UTF-8 sequence, so no character is split between chunks,
 * and invalid UTF-8 becomes U+FFFD as with any decoder. A file holding NUL bytes is refused.
 */
export function forEachLine(path: string, onLine: (line: string) => void, onBytes?: (bytes: number) => void): void {
  const fd = openSync(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(CHUNK);
    // buf[0, kept) is the start of a line whose newline has not been read yet.
    let kept = 0;
    let read = 0;
    for (;;) {
      if (kept === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, kept);
        buf = bigger;
      }
      const n = readSync(fd, buf, kept, buf.length - kept, null);
      if (n === 0) break;
      const end = kept + n;
      if (buf.subarray(kept, end).indexOf(0) !== -1) throw new AiopsError('INPUT_INVALID', `${path} holds NUL bytes: not a text file of log messages.`);
      read += n;
      // buf[0, kept) holds no newline, so one found is in what was just read.
      const last = buf.lastIndexOf(NL, end - 1);
      if (last >= 0) {
        splitLines(buf.toString('utf8', 0, last + 1), onLine);
        buf.copyWithin(0, last + 1, end);
        kept = end - last - 1;
      } else {
        kept = end;
      }
      onBytes?.(read);
    }
    if (kept > 0) {
      const tail = buf.toString('utf8', 0, kept);
      onLine(tail.endsWith('\r') ? tail.slice(0, -1) : tail);
    }
  } finally {
    closeSync(fd);
  }
}

/** `text` ends with a newline. */
function splitLines(text: string, onLine: (line: string) => void): void {
  let from = 0;
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
    onLine(text.charCodeAt(nl - 1) === 13 ? text.slice(from, nl - 1) : text.slice(from, nl));
    from = nl + 1;
  }
}
