// Signature: the masked token sequence of a message. Consecutive masked chunks collapse into
// one parameter token (so "Fri Jul 8 12:00:01 PDT 2005" or a variable-length list of numbers is
// one `<*>`). Each token has an identity: its text for a literal, `lead<*>trail` for a parameter
// (opening punctuation kept in front, separators and matched closers behind), `key=<*>trail`
// for a key/value pair. The signature is a 64-bit hash (two lanes) of the identity sequence,
// computed without allocating; token strings are only built on a cache miss.
import { Masker, type MaskOptions } from './masking.js';
import { Tokenizer } from './tokenizer.js';
import * as charClasses from './char-classes.js';
import * as hashing from './ids.js';
import * as masking from './masking.js';

// Local bindings: the hot path must not read imports through module-namespace getters
// (how tsx and vitest compile ESM imports).
const { openerOf } = charClasses;
const { LANE_A_SEED, LANE_B_SEED, hashRangeA, hashRangeB, laneBucket, mixA, mixB, stepA, stepB } = hashing;
const { K_KV, K_LIT, K_VAR } = masking;

/** Mark (outside the UTF-16 range) hashed where a parameter goes. */
const WILDCARD_MARK = 0x1f2a3e;
/** Marks hashed in a message shape for a run of one digit and of several digits. */
const ONE_DIGIT = 0x10001;
const DIGITS = 0x10002;

export class SignatureBuilder {
  readonly tokenizer: Tokenizer;
  readonly masker: Masker;
  readonly maxTokens: number;

  tokCount = 0;
  tKind: Uint8Array = new Uint8Array(64);
  /** First and last chunk of each token. */
  tFirst: Int32Array = new Int32Array(64);
  tLast: Int32Array = new Int32Array(64);
  /** The two lanes of the signature hash of the message last built (the key is their bucket). */
  keyA = 0;
  keyB = 0;
  /** The message last built has no digit in its signature text (so its shape determines its signature). */
  digitFree = true;
  /** The two lanes of the last shape(). */
  shapeA = 0;
  shapeB = 0;

  constructor(options: MaskOptions & { maxTokens?: number } = {}) {
    this.masker = new Masker(options);
    this.tokenizer = new Tokenizer(64, !(options.disable ?? []).includes('num'));
    this.maxTokens = Math.max(2, options.maxTokens ?? 256);
  }

  private ensure(n: number): void {
    if (this.tKind.length >= n) return;
    let cap = this.tKind.length;
    while (cap < n) cap *= 2;
    this.tKind = new Uint8Array(cap);
    this.tFirst = new Int32Array(cap);
    this.tLast = new Int32Array(cap);
  }

  /** Tokenize, mask and collapse `msg`; returns the signature's bucket (a small integer; lanes in keyA / keyB). */
  build(msg: string): number {
    const tk = this.tokenizer;
    const n = tk.scan(msg);
    const mk = this.masker;
    mk.classify(msg, tk);
    this.ensure(n + 1);
    const kind = mk.kind;
    const limit = n > this.maxTokens ? this.maxTokens - 1 : n;
    for (let j = limit; j < n; j++) {
      // overlong tail: one parameter
      if (kind[j] !== K_VAR) mk.peel(msg, j, tk.start[j]!, tk.end[j]!);
      kind[j] = K_VAR;
    }
    const tKind = this.tKind;
    const tFirst = this.tFirst;
    const tLast = this.tLast;
    let t = 0;
    for (let j = 0; j < n; j++) {
      const k = kind[j]!;
      if (k === K_VAR && t > 0 && tKind[t - 1] === K_VAR) {
        tLast[t - 1] = j;
        continue;
      }
      tKind[t] = k;
      tFirst[t] = j;
      tLast[t] = j;
      t++;
    }
    this.tokCount = t;
    // Hash the canonical form: per token, its identity hash (the tokenizer's chunk hash for a
    // literal; head, a wildcard mark and the kept tail for a parameter), mixed in order.
    const start = tk.start;
    const end = tk.end;
    let sa = LANE_A_SEED;
    let sb = LANE_B_SEED;
    let digitFree = true;
    for (let i = 0; i < t; i++) {
      const k = tKind[i]!;
      const j0 = tFirst[i]!;
      if (k === K_LIT) {
        sa = mixA(sa, tk.hashA[j0]!);
        sb = mixB(sb, tk.hashB[j0]!);
        continue;
      }
      const s = start[j0]!;
      const j1 = tLast[i]!;
      const leadEnd = mk.leadEnd[j0]!;
      const headEnd = k === K_KV ? mk.sep[j0]! + 1 : leadEnd;
      // Only a key can hold a digit (leads, names before an index and tails are punctuation or letters).
      if (k === K_KV && digitFree) for (let p = s; p < headEnd; p++) if (isDigit(msg.charCodeAt(p))) digitFree = false;
      let ta = hashRangeA(msg, s, headEnd);
      let tb = hashRangeB(msg, s, headEnd);
      ta = stepA(ta, WILDCARD_MARK);
      tb = stepB(tb, WILDCARD_MARK);
      const e = end[j1]!;
      for (let p = mk.trailStart[j1]!; p < e; p++) {
        const c = msg.charCodeAt(p);
        if (!keepTrail(msg, s, leadEnd, c)) continue;
        ta = stepA(ta, c);
        tb = stepB(tb, c);
      }
      sa = mixA(sa, ta);
      sb = mixB(sb, tb);
    }
    sa = mixA(sa, t);
    sb = mixB(sb, t ^ 0x5f3759df);
    this.keyA = sa;
    this.keyB = sb;
    this.digitFree = digitFree;
    return laneBucket(sa, sb);
  }

  /**
   * The shape of `msg`: its characters with each run of digits replaced by a mark for one digit
   * or for several. With the num mask on and no user masks, every masking decision depends on the
   * digits only through that (a chunk holds a digit or not; eth0 keeps its name, eth10 does not),
   * so two messages of one shape whose signature text holds no digit (digitFree) have the same
   * signature. Returns the bucket; lanes in shapeA / shapeB.
   */
  shape(msg: string): number {
    let a = LANE_A_SEED;
    let b = LANE_B_SEED;
    let run = 0;
    const n = msg.length;
    for (let i = 0; i < n; i++) {
      const c = msg.charCodeAt(i);
      if (c >= 48 && c <= 57) {
        run++;
        continue;
      }
      if (run !== 0) {
        const mark = run === 1 ? ONE_DIGIT : DIGITS;
        a = stepA(a, mark);
        b = stepB(b, mark);
        run = 0;
      }
      a = stepA(a, c);
      b = stepB(b, c);
    }
    if (run !== 0) {
      const mark = run === 1 ? ONE_DIGIT : DIGITS;
      a = stepA(a, mark);
      b = stepB(b, mark);
    }
    this.shapeA = mixA(a, ONE_DIGIT);
    this.shapeB = mixB(b, DIGITS);
    return laneBucket(this.shapeA, this.shapeB);
  }

  /** Identity text of token i of the message last built. */
  tokenText(msg: string, i: number): string {
    const tk = this.tokenizer;
    const mk = this.masker;
    const k = this.tKind[i]!;
    const j0 = this.tFirst[i]!;
    if (k === K_LIT) return msg.slice(tk.start[j0]!, tk.end[j0]!);
    const j1 = this.tLast[i]!;
    const s = tk.start[j0]!;
    const leadEnd = mk.leadEnd[j0]!;
    const head = k === K_KV ? msg.slice(s, mk.sep[j0]! + 1) : msg.slice(s, leadEnd);
    let tail = '';
    const e = tk.end[j1]!;
    for (let p = mk.trailStart[j1]!; p < e; p++) {
      const c = msg.charCodeAt(p);
      if (keepTrail(msg, s, leadEnd, c)) tail += String.fromCharCode(c);
    }
    return head + '<*>' + tail;
  }

  /** Raw message text of the parameter of token i (without its kept punctuation / key). */
  tokenValue(msg: string, i: number): string {
    const tk = this.tokenizer;
    const mk = this.masker;
    const k = this.tKind[i]!;
    const j0 = this.tFirst[i]!;
    const j1 = this.tLast[i]!;
    if (k === K_LIT) return msg.slice(tk.start[j0]!, tk.end[j0]!);
    const from = k === K_KV ? mk.sep[j0]! + 1 : mk.leadEnd[j0]!;
    const to = Math.max(from, mk.trailStart[j1]!);
    return msg.slice(from, to);
  }

  /** Full raw text of token i (all its chunks, inner whitespace as in the message). */
  tokenRaw(msg: string, i: number): string {
    const tk = this.tokenizer;
    return msg.slice(tk.start[this.tFirst[i]!]!, tk.end[this.tLast[i]!]!);
  }

  /** Key of a kv token i (text between leading punctuation and separator). */
  tokenKey(msg: string, i: number): string {
    const j0 = this.tFirst[i]!;
    return msg.slice(this.masker.leadEnd[j0]!, this.masker.sep[j0]!);
  }

  /** User mask that caught token i, if any. */
  tokenMask(i: number): string | undefined {
    if (this.masker.userMasks.length === 0) return undefined;
    for (let j = this.tFirst[i]!; j <= this.tLast[i]!; j++) {
      const m = this.masker.maskId[j]!;
      if (m !== 0) return this.masker.userMasks[m - 1]!.name;
    }
    return undefined;
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Trailing punctuation is kept unless it is a closer whose opener is not in the lead. */
function keepTrail(msg: string, leadFrom: number, leadTo: number, c: number): boolean {
  const open = openerOf(c);
  if (open === 0) return true;
  for (let p = leadFrom; p < leadTo; p++) if (msg.charCodeAt(p) === open) return true;
  return false;
}

export { K_KV, K_LIT, K_VAR };
