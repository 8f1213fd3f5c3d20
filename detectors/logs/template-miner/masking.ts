// Masking: decides, per chunk, whether it is a constant (literal), a parameter (var) or a
// key=value pair whose value is a parameter (kv). The rules are general token classes, the
// same for every source:
//   num   any chunk containing a digit (numbers, hex like 0x1f, IPs, UUIDs, ids, versions, times)
//   hex   8+ hexadecimal characters without digits
//   url   scheme://...
//   path  /a/b, ./a, ~/a, a/b/c, C:\a, \\host\share, or a / right after ( [ = : , " '
//   email name@host.domain
//   host  dotted host names under a common top-level domain (ns1.example.com)
//   file  name.ext for common file extensions (chrome.exe, app.log, x.so)
//   kv    key=value and key:value (the value is masked; a quoted value may span spaces)
//   bool  true / false
//   ts    month / weekday names next to a masked chunk; time zones and AM/PM after one
//   unit  a size or duration unit (KB, MB, ms, sec, ...) right after a masked chunk
// plus user masks (regular expressions over the whole message; any chunk they touch is masked).
import type { Tokenizer } from './tokenizer.js';
import * as charClasses from './char-classes.js';
import * as hashing from './ids.js';

// Local bindings: the hot path must not read imports through module-namespace getters
// (how tsx and vitest compile ESM imports).
const { C_ALPHA, C_DIGIT, C_DOT, C_IDENT, C_LEAD, C_NONHEX, C_SPECIAL, C_TRAIL, F_DOTRUN, charClass } = charClasses;
const { hashRangeA, hashRangeB, laneBucket } = hashing;

export const K_LIT = 0;
export const K_VAR = 1;
export const K_KV = 2;

export const BUILTIN_MASKS = ['num', 'hex', 'url', 'path', 'email', 'host', 'file', 'kv', 'bool', 'ts', 'unit'] as const;
export type BuiltinMask = (typeof BUILTIN_MASKS)[number];

export interface UserMask {
  /** Parameter name given to the values this mask catches. */
  name: string;
  /** Regular expression (source or RegExp); matched against the whole message. */
  pattern: string | RegExp;
  /** Flags when `pattern` is a string (the g flag is always added). */
  flags?: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Sept', 'Oct', 'Nov', 'Dec',
  'January', 'February', 'March', 'April', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAYS = ['Mon', 'Tue', 'Tues', 'Wed', 'Thu', 'Thur', 'Thurs', 'Fri', 'Sat', 'Sun',
  'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const ZONES = ['UTC', 'GMT', 'Z', 'EST', 'EDT', 'CST', 'CDT', 'MST', 'MDT', 'PST', 'PDT', 'AKST', 'AKDT', 'HST',
  'CET', 'CEST', 'EET', 'EEST', 'WET', 'WEST', 'BST', 'IST', 'JST', 'KST', 'AEST', 'AEDT', 'ACST', 'AWST', 'NZST', 'NZDT',
  'AM', 'PM', 'am', 'pm'];
const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB', 'kB', 'Kb', 'Mb', 'Gb', 'kb', 'mb', 'gb', 'tb',
  'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'ns', 'us', 'µs', 'ms', 'msec', 'msecs', 'millis', 'milliseconds', 's', 'sec', 'secs',
  'second', 'seconds', 'min', 'mins', 'minute', 'minutes', 'h', 'hr', 'hrs', 'hour', 'hours'];
const BOOLS = ['true', 'false'];
const TLDS = ['com', 'net', 'org', 'edu', 'gov', 'mil', 'int', 'io', 'info', 'biz', 'us', 'uk', 'cn', 'de', 'jp', 'fr',
  'ru', 'hk', 'tw', 'kr', 'au', 'ca', 'br', 'nl', 'se', 'ch', 'es', 'eu', 'local', 'localdomain', 'lan', 'internal',
  'arpa', 'cloud'];
const FILE_EXTENSIONS = ['exe', 'dll', 'so', 'dylib', 'sys', 'jar', 'war', 'ear', 'class', 'java', 'py', 'pyc', 'js', 'mjs',
  'ts', 'rb', 'go', 'rs', 'c', 'h', 'cc', 'cpp', 'hpp', 'cs', 'php', 'pl', 'sh', 'bash', 'bat', 'cmd', 'ps1', 'o', 'a', 'ko',
  'log', 'txt', 'out', 'err', 'tmp', 'temp', 'bak', 'old', 'swp', 'csv', 'tsv', 'json', 'xml', 'yaml', 'yml', 'toml', 'ini',
  'conf', 'cfg', 'config', 'properties', 'props', 'html', 'htm', 'css', 'jsp', 'asp', 'aspx', 'png', 'jpg', 'jpeg', 'gif',
  'svg', 'ico', 'pdf', 'doc', 'docx', 'xls', 'xlsx', 'zip', 'gz', 'tgz', 'tar', 'bz2', 'xz', '7z', 'rar', 'rpm', 'deb', 'msi',
  'iso', 'img', 'bin', 'dat', 'db', 'sqlite', 'pid', 'lock', 'sock', 'pem', 'crt', 'cer', 'der', 'p12', 'pfx', 'rrd', 'plist',
  'app', 'dmg', 'pkg', 'apk', 'ipa', 'mp3', 'mp4', 'avi', 'mov', 'wav'];

/** A word as listed, or also in upper, lower and capitalised case. */
function forms(w: string, caseVariants: boolean): string[] {
  return caseVariants ? [w, w.toUpperCase(), w.toLowerCase(), w.slice(0, 1).toUpperCase() + w.slice(1)] : [w];
}

/**
 * Listed words by their two hash lanes (the tokenizer's chunk hash, or hashRangeA/B of a
 * peeled range), each with a bit set saying what it is. Buckets are small integers, so a lookup
 * allocates nothing; both lanes are compared on a hit.
 */
class HashedWords {
  /** bucket -> [lane A, lane B, bits, ...] */
  private readonly buckets = new Map<number, number[]>();

  add(words: readonly string[], caseVariants: boolean, bits: number): this {
    for (const w of words) {
      for (const f of forms(w, caseVariants)) {
        const a = hashRangeA(f, 0, f.length);
        const b = hashRangeB(f, 0, f.length);
        const list = this.buckets.get(laneBucket(a, b)) ?? [];
        let k = 0;
        while (k < list.length && (list[k] !== a || list[k + 1] !== b)) k += 3;
        if (k < list.length) list[k + 2]! |= bits;
        else list.push(a, b, bits);
        this.buckets.set(laneBucket(a, b), list);
      }
    }
    return this;
  }

  /** What the word with these lanes is (bits), 0 when not listed. */
  get(a: number, b: number): number {
    const list = this.buckets.get(laneBucket(a, b));
    if (list === undefined) return 0;
    for (let k = 0; k < list.length; k += 3) if (list[k] === a && list[k + 1] === b) return list[k + 2]!;
    return 0;
  }

  /** Same, for the characters msg[from, to). */
  getRange(msg: string, from: number, to: number): number {
    return this.get(hashRangeA(msg, from, to), hashRangeB(msg, from, to));
  }
}

const W_DATE = 1;
const W_ZONE = 2;
const W_UNIT = 4;
const W_BOOL = 8;
const W_EXT = 16;
const W_TLD = 32;
/** Is w one of the words the masks know by meaning (month, weekday, zone, unit, boolean, file extension, TLD)? */
export function isListedWord(w: string): boolean {
  return WORDS.getRange(w, 0, w.length) !== 0;
}

const WORDS = new HashedWords()
  .add([...MONTHS, ...WEEKDAYS], true, W_DATE)
  .add(ZONES, false, W_ZONE)
  .add(UNITS, false, W_UNIT)
  .add(BOOLS, true, W_BOOL)
  .add(FILE_EXTENSIONS, true, W_EXT)
  .add(TLDS, true, W_TLD);

// Cheap pre-filter on raw chunks before peeling and hashing a word: is there a listed word with
// this first letter (7 bits) whose chunk could have this length (one leading and up to two
// trailing punctuation characters allowed)?
const WORD_FILTER = new Uint8Array(128 * 32);
for (const w of [...MONTHS, ...WEEKDAYS, ...ZONES, ...UNITS, ...BOOLS]) {
  for (const f of forms(w, true)) {
    for (let extra = 0; extra <= 3; extra++) {
      const len = f.length + extra;
      if (len < 32) WORD_FILTER[((f.charCodeAt(0) & 127) << 5) | len] = 1;
    }
  }
}

interface CompiledMask {
  name: string;
  re: RegExp;
}

export interface MaskOptions {
  /** Built-in masks to switch off (e.g. ['file']). Default: all on. */
  disable?: readonly BuiltinMask[];
  /** Extra per-source masks, applied before the built-ins. */
  masks?: readonly UserMask[];
}

/** Per-chunk masking decisions for the message last scanned. */
export class Masker {
  kind: Uint8Array = new Uint8Array(64);
  /** First character after the leading punctuation of the chunk. */
  leadEnd: Int32Array = new Int32Array(64);
  /** First character of the trailing punctuation of the chunk. */
  trailStart: Int32Array = new Int32Array(64);
  /** Position of the key/value separator of a kv chunk. */
  sep: Int32Array = new Int32Array(64);
  /** 1 + index of the user mask that caught the chunk, 0 otherwise. */
  maskId: Uint8Array = new Uint8Array(64);
  /** Chunks that may be a listed word (month, zone, unit, boolean). */
  words: Int32Array = new Int32Array(64);

  readonly userMasks: readonly CompiledMask[];
  private readonly on: Record<BuiltinMask, boolean>;

  constructor(options: MaskOptions = {}) {
    const disabled = new Set(options.disable ?? []);
    this.on = Object.fromEntries(BUILTIN_MASKS.map((m) => [m, !disabled.has(m)])) as Record<BuiltinMask, boolean>;
    this.userMasks = (options.masks ?? []).map((m) => {
      const src = typeof m.pattern === 'string' ? m.pattern : m.pattern.source;
      const flags = typeof m.pattern === 'string' ? (m.flags ?? '') : m.pattern.flags;
      return { name: m.name, re: new RegExp(src, flags.includes('g') ? flags : flags + 'g') };
    });
  }

  private ensure(n: number): void {
    if (this.kind.length >= n) return;
    let cap = this.kind.length;
    while (cap < n) cap *= 2;
    this.kind = new Uint8Array(cap);
    this.leadEnd = new Int32Array(cap);
    this.trailStart = new Int32Array(cap);
    this.sep = new Int32Array(cap);
    this.maskId = new Uint8Array(cap);
    this.words = new Int32Array(cap);
  }

  /** Classify every chunk of the tokenizer's last scan of `msg`. */
  classify(msg: string, tk: Tokenizer): void {
    const n = tk.count;
    this.ensure(n);
    const kind = this.kind;
    const start = tk.start;
    const end = tk.end;
    const flags = tk.flags;
    const on = this.on;
    let words = 0; // candidates for maskWords()
    let quote = 0; // open quote of a key="value with spaces"
    let quoted = 0;
    const leadEnd = this.leadEnd;
    const trailStart = this.trailStart;
    for (let j = 0; j < n; j++) {
      const f = flags[j]!;
      const s = start[j]!;
      const e = end[j]!;
      if (quote !== 0) {
        // inside a quoted kv value: masked up to the chunk holding the closing quote
        this.peel(msg, j, s, e);
        kind[j] = K_VAR;
        if (indexOfChar(msg, quote, s, e) >= 0 || ++quoted >= 32) quote = 0;
        continue;
      }
      if (f & F_DOTRUN) {
        kind[j] = K_LIT;
        continue;
      }
      if (!(f & C_SPECIAL) && f & C_DIGIT && on.num) {
        // digits and no separators: a value (the common case, kept cheap)
        let a = s;
        while (a < e && charClass(msg.charCodeAt(a)) & C_LEAD) a++;
        let b = e;
        while (b > a && charClass(msg.charCodeAt(b - 1)) & C_TRAIL) b--;
        leadEnd[j] = b - a <= 10 && isNamedIdentifier(msg, a, b) ? b - 1 : a; // eth0 -> eth<*>
        trailStart[j] = b;
        kind[j] = K_VAR;
        continue;
      }
      if (f & (C_DIGIT | C_SPECIAL)) {
        const k = this.classifyDetailed(msg, j, s, e, f);
        kind[j] = k;
        if (k === K_KV) {
          quote = openQuote(msg, this.sep[j]! + 1, e);
          quoted = 0;
        }
        continue;
      }
      if (on.hex && !(f & C_NONHEX) && e - s >= 8) {
        this.peel(msg, j, s, e);
        kind[j] = K_VAR;
      } else if (f & C_DOT && (on.file || on.host) && this.isFileOrHostName(msg, j, s, e)) {
        kind[j] = K_VAR;
      } else {
        kind[j] = K_LIT;
        if (e - s <= 16 && f & C_ALPHA) {
          let c = msg.charCodeAt(s);
          if (c < 128 && charClass(c) & C_LEAD) c = msg.charCodeAt(s + 1);
          if (WORD_FILTER[((c & 127) << 5) | (e - s)] !== 0) this.words[words++] = j;
        }
      }
    }
    if (this.userMasks.length > 0) this.applyUserMasks(msg, tk);
    if (words > 0 && (on.ts || on.unit || on.bool)) this.maskWords(msg, tk, words);
  }

  /** Set leadEnd / trailStart of chunk j (leading openers, trailing closers and separators). */
  peel(msg: string, j: number, s: number, e: number): void {
    let a = s;
    while (a < e && charClass(msg.charCodeAt(a)) & C_LEAD) a++;
    let b = e;
    while (b > a && charClass(msg.charCodeAt(b - 1)) & C_TRAIL) b--;
    this.leadEnd[j] = a;
    this.trailStart[j] = b;
  }

  private classifyDetailed(msg: string, j: number, s: number, e: number, f: number): number {
    this.peel(msg, j, s, e);
    const a = this.leadEnd[j]!;
    const b = this.trailStart[j]!;
    if (a >= b) return K_LIT; // punctuation only
    const on = this.on;
    if (f & C_DIGIT && on.num) {
      // A key must start with a letter; otherwise a chunk with a digit is a value whatever
      // else it looks like (/10.1.2.3:50010, 12:30:01, -1, [0x1f]).
      const c0 = msg.charCodeAt(a);
      if (!(charClass(c0) & C_ALPHA) && c0 !== 95) return K_VAR;
    }
    // One pass over the core: separators, slashes, '@', digits after separators.
    let firstEq = -1;
    let firstColon = -1;
    let keyOk = true; // identifier so far (before the first separator)
    let keyHasAlpha = false;
    let keyHasDigit = false;
    let digitAfterColon = false;
    let slashes = 0;
    let backslashes = 0;
    let pathSlash = false;
    let url = false;
    let at = -1;
    let dotAfterAt = false;
    for (let i = a; i < b; i++) {
      const c = msg.charCodeAt(i);
      const cls = charClass(c);
      if (firstEq < 0 && firstColon < 0) {
        if (c === 61 /* = */) {
          firstEq = i;
        } else if (c === 58 /* : */) {
          firstColon = i;
          if (msg.charCodeAt(i + 1) === 47 && msg.charCodeAt(i + 2) === 47) url = true;
        } else if (!(cls & C_IDENT)) {
          keyOk = false;
        } else if (cls & C_ALPHA || c === 95) {
          if (i === a) keyHasAlpha = true;
        } else if (cls & C_DIGIT) {
          keyHasDigit = true;
        }
      } else {
        if (c === 61 && firstEq < 0) firstEq = i;
        if (firstColon >= 0 && cls & C_DIGIT) digitAfterColon = true;
        if (c === 58 && msg.charCodeAt(i + 1) === 47 && msg.charCodeAt(i + 2) === 47) url = true;
      }
      if (c === 47 /* / */) {
        slashes++;
        if (i === a) pathSlash = i + 1 < b;
        else {
          const p = msg.charCodeAt(i - 1);
          if ((p === 61 || p === 58 || p === 44 || p === 40 || p === 91 || p === 34 || p === 39) && i + 1 < b) pathSlash = true;
          if ((p === 46 || p === 126) && i - 1 === a) pathSlash = true; // ./x ~/x
          if (p === 46 && i - 2 === a && msg.charCodeAt(a) === 46) pathSlash = true; // ../x
        }
      } else if (c === 92 /* \ */) {
        backslashes++;
      } else if (c === 64 /* @ */) {
        if (at < 0) at = i;
      } else if (c === 46 && at >= 0) {
        dotAfterAt = true;
      }
    }
    if (on.url && url) return K_VAR;
    // key=value: identifier key starting with a letter, non-empty value.
    if (on.kv && firstEq > a && (firstColon < 0 || firstColon > firstEq) && keyOk && keyHasAlpha && firstEq + 1 < b) {
      this.sep[j] = firstEq;
      return K_KV;
    }
    const pathLike =
      pathSlash ||
      slashes >= 2 ||
      backslashes >= 2 ||
      (backslashes >= 1 && b - a >= 3 && msg.charCodeAt(a + 1) === 58 && msg.charCodeAt(a + 2) === 92); // C:\
    // host:port (web-01.example.com:8080, db-primary:5432): a dotted or dashed name before a port
    // is an address, not a key; the whole chunk is the value.
    if (on.num && firstColon > a && f & C_DIGIT && isPortAfter(msg, firstColon + 1, b) && hasHostPunctuation(msg, a, firstColon)) return K_VAR;
    // key:value (key without digits).
    if (on.kv && firstColon > a && keyOk && keyHasAlpha && !keyHasDigit && firstColon + 1 < b) {
      this.sep[j] = firstColon;
      return K_KV;
    }
    if (on.path && pathLike) return K_VAR;
    if (on.num && f & C_DIGIT) {
      // eth0, CPU1, sda2: keep the name, mask the index ("eth<*>").
      if (isNamedIdentifier(msg, a, b)) this.leadEnd[j] = b - 1;
      return K_VAR;
    }
    if (on.email && at > a && dotAfterAt) return K_VAR;
    if (on.hex && !(f & C_NONHEX) && b - a >= 8) return K_VAR;
    if (f & C_DOT && (on.file || on.host) && this.isFileOrHostName(msg, j, s, e)) return K_VAR;
    return K_LIT;
  }

  /** name.ext with a common file extension, or a dotted host name under a common TLD. */
  private isFileOrHostName(msg: string, j: number, s: number, e: number): boolean {
    this.peel(msg, j, s, e);
    const a = this.leadEnd[j]!;
    const b = this.trailStart[j]!;
    let dot = -1;
    let hostChars = true;
    for (let i = b - 1; i > a; i--) {
      const c = msg.charCodeAt(i);
      if (c === 46) {
        if (dot < 0) dot = i;
        continue;
      }
      const cls = charClass(c);
      if (!(cls & C_IDENT)) return false;
      if (c === 95) hostChars = false; // '_' is not a host name character
    }
    if (dot <= a || dot + 1 >= b || b - dot - 1 > 11) return false;
    const w = WORDS.getRange(msg, dot + 1, b);
    if (this.on.file && (w & W_EXT) !== 0) return true;
    return this.on.host && hostChars && (w & W_TLD) !== 0;
  }

  /**
   * Words masked by their meaning: booleans anywhere; month / weekday names next to a masked
   * chunk; time zones, AM/PM and units right after one.
   */
  private maskWords(msg: string, tk: Tokenizer, candidates: number): void {
    const n = tk.count;
    const kind = this.kind;
    const on = this.on;
    let changed = false;
    for (let pass = 0; pass < 2; pass++) {
      if (pass === 1 && !changed) break; // the backward pass only extends fresh masks
      for (let k = 0; k < candidates; k++) {
        const j = this.words[pass === 0 ? k : candidates - 1 - k]!;
        if (kind[j] !== K_LIT) continue;
        const prevVar = j > 0 && kind[j - 1] === K_VAR;
        const nextVar = j + 1 < n && kind[j + 1] === K_VAR;
        const s = tk.start[j]!;
        const e = tk.end[j]!;
        const c0 = msg.charCodeAt(s) | 32;
        const maybeBool = pass === 0 && on.bool && (c0 === 116 || c0 === 102); // t / f
        if (!prevVar && !nextVar && !maybeBool) continue;
        this.peel(msg, j, s, e);
        const a = this.leadEnd[j]!;
        const b = this.trailStart[j]!;
        if (b <= a || (!prevVar && !nextVar && b - a !== 4 && b - a !== 5)) continue;
        const w = a === s && b === e ? WORDS.get(tk.hashA[j]!, tk.hashB[j]!) : WORDS.getRange(msg, a, b);
        if (w === 0) continue;
        const masked =
          (maybeBool && (w & W_BOOL) !== 0) ||
          ((prevVar || nextVar) && on.ts && (w & W_DATE) !== 0) ||
          (prevVar && on.ts && (w & W_ZONE) !== 0) ||
          (prevVar && on.unit && (w & W_UNIT) !== 0);
        if (masked) {
          kind[j] = K_VAR;
          changed = true;
        }
      }
    }
  }

  private applyUserMasks(msg: string, tk: Tokenizer): void {
    const n = tk.count;
    this.maskId.fill(0, 0, n);
    for (let m = 0; m < this.userMasks.length; m++) {
      const re = this.userMasks[m]!.re;
      re.lastIndex = 0;
      let j = 0;
      let match: RegExpExecArray | null;
      while ((match = re.exec(msg)) !== null) {
        const from = match.index;
        const to = from + match[0].length;
        if (to === from) {
          re.lastIndex++;
          continue;
        }
        while (j < n && tk.end[j]! <= from) j++;
        for (let k = j; k < n && tk.start[k]! < to; k++) {
          if (this.maskId[k] !== 0) continue;
          this.kind[k] = K_VAR;
          this.maskId[k] = m + 1;
          this.peel(msg, k, tk.start[k]!, tk.end[k]!);
        }
      }
    }
  }
}

function indexOfChar(msg: string, c: number, from: number, to: number): number {
  for (let i = from; i < to; i++) if (msg.charCodeAt(i) === c) return i;
  return -1;
}

/** The quote opening a kv value at `from` that does not close within the chunk, or 0. */
function openQuote(msg: string, from: number, to: number): number {
  const q = msg.charCodeAt(from);
  if (q !== 34 && q !== 39) return 0;
  return indexOfChar(msg, q, from + 1, to) >= 0 ? 0 : q;
}

/**
 * A name with one trailing digit (eth0, sda1, alt0, CPU3): an indexed device or variant. The
 * name is part of the template, only the index is a parameter.
 */
function isNamedIdentifier(msg: string, a: number, b: number): boolean {
  const len = b - a;
  if (len < 2 || len > 10) return false;
  const last = msg.charCodeAt(b - 1);
  if (last < 48 || last > 57) return false;
  for (let i = a; i < b - 1; i++) {
    const c = msg.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return false;
  }
  return true;
}

// ---- parameter naming (only when a caller reads params) ----

const RE_IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?$/;
const RE_IPV6 = /^\[?[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7}\]?(?::\d+)?$/;
const RE_UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const RE_HEX = /^(?:0[xX][0-9a-fA-F]+|[0-9a-fA-F]{8,})$/;
const RE_NUM = /^[-+]?(?:\d+(?:[.,]\d+)*|\.\d+)(?:[eE][-+]?\d+)?%?$/;
const RE_TIME = /(?:^\d{4}-\d{2}-\d{2})|(?:\d{1,2}:\d{2}(?::\d{2})?)|(?:^\d{1,2}\/\d{1,2}\/\d{2,4}$)/;
const RE_QUANTITY = /^[-+]?\d+(?:[.,]\d+)?\s?([A-Za-zµ]{1,12})$/;
const RE_URL = /^[A-Za-z][\w+.-]*:\/\//;
const RE_EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const RE_PATH = /^(?:\.{0,2}\/|~\/|[A-Za-z]:\\|\\\\)|\/.*\//;
const DATE_WORDS = new Set([...MONTHS, ...WEEKDAYS, ...ZONES].flatMap((w) => [w, w.toUpperCase(), w.toLowerCase()]));
const UNIT_WORDS = new Set(UNITS);
const BOOL_WORDS = new Set(BOOLS.flatMap((w) => [w, w.toUpperCase(), w[0]!.toUpperCase() + w.slice(1)]));

/** A short class name for a masked value, used to name extracted parameters. */
export function valueClass(value: string): string {
  const v = value.replace(/^[([{<"']+|[)\]}>"',;:.]+$/g, '');
  if (v === '') return 'value';
  if (RE_URL.test(v)) return 'url';
  if (RE_IPV4.test(v) || (v.includes(':') && RE_IPV6.test(v) && /\d/.test(v) && v.split(':').length > 2)) return 'ip';
  if (RE_UUID.test(v)) return 'uuid';
  if (RE_NUM.test(v)) return 'num';
  const q = RE_QUANTITY.exec(v);
  if (q !== null && UNIT_WORDS.has(q[1]!)) return 'quantity';
  if (RE_HEX.test(v)) return 'hex';
  if (RE_EMAIL.test(v)) return 'email';
  if (RE_TIME.test(v) || DATE_WORDS.has(v)) return 'ts';
  if (RE_PATH.test(v)) return 'path';
  if (UNIT_WORDS.has(v)) return 'unit';
  if (BOOL_WORDS.has(v)) return 'bool';
  if (/\d/.test(v)) return 'id';
  return 'word';
}

/** msg[from, to) is a port number (1 to 5 digits). */
function isPortAfter(msg: string, from: number, to: number): boolean {
  if (to - from < 1 || to - from > 5) return false;
  for (let i = from; i < to; i++) if (!(charClass(msg.charCodeAt(i)) & C_DIGIT)) return false;
  return true;
}

/** msg[from, to) holds a '.' or '-' between name characters (a host name, not an identifier key). */
function hasHostPunctuation(msg: string, from: number, to: number): boolean {
  for (let i = from + 1; i < to - 1; i++) {
    const c = msg.charCodeAt(i);
    if (c === 46 || c === 45) return true;
  }
  return false;
}
