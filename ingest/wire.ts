// Wire helpers for the Prometheus and Loki receivers: snappy block decompression with a size
// limit, and the Prometheus label-set text format ({a="b", c="d"}) Loki streams carry.
import snappy from 'snappyjs';
import { AiopsError } from '../platform/errors/aiops-error.js';
import { RecordError } from './normalize.js';
import { tooLarge } from './http.js';

/** Undoes a snappy block (not framed) body, refusing bodies whose declared size is over the limit. */
export function unsnappy(body: Buffer, limit: number): Buffer {
  if (body.length === 0) throw new AiopsError('BAD_REQUEST', 'The body is empty; send a snappy-compressed protobuf message.');
  let out: Uint8Array;
  try {
    out = snappy.uncompress(body, limit);
  } catch (err) {
    const msg = (err as Error).message;
    if (/too big/.test(msg)) throw tooLarge(limit, 'decompressed');
    throw new AiopsError('BAD_REQUEST', `The body is not valid snappy block data (${msg}); compress the protobuf message with snappy's block format.`);
  }
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/** Parses a Prometheus label set such as {app="api", msg="a \"b\""}. */
export function parseLabelSet(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const s = text.trim();
  if (s === '' || s === '{}') return out;
  if (!s.startsWith('{') || !s.endsWith('}')) throw new RecordError('invalid_labels', `labels: ${JSON.stringify(s.slice(0, 64))} is not a label set like {app="api"}`);
  let i = 1;
  const end = s.length - 1;
  const ws = () => {
    while (i < end && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n')) i++;
  };
  while (true) {
    ws();
    if (i >= end) break;
    const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(s.slice(i, Math.min(end, i + 300)));
    if (!m) throw new RecordError('invalid_labels', `labels: expected a label name at offset ${i} of ${JSON.stringify(s.slice(0, 64))}`);
    const name = m[0];
    i += name.length;
    ws();
    if (s[i] !== '=') throw new RecordError('invalid_labels', `labels: expected = after ${name}`);
    i++;
    ws();
    if (s[i] !== '"') throw new RecordError('invalid_labels', `labels: expected a quoted value for ${name}`);
    i++;
    let value = '';
    while (i < end && s[i] !== '"') {
      if (s[i] === '\\' && i + 1 < end) {
        const c = s[i + 1];
        value += c === 'n' ? '\n' : c === 't' ? '\t' : c;
        i += 2;
      } else {
        value += s[i];
        i++;
      }
    }
    if (s[i] !== '"') throw new RecordError('invalid_labels', `labels: unterminated value for ${name}`);
    i++;
    out[name] = value;
    ws();
    if (s[i] === ',') i++;
    else if (i < end) throw new RecordError('invalid_labels', `labels: expected , or } after ${name}="${value.slice(0, 32)}"`);
  }
  return out;
}
