// Robustness rewrite of a labelled log corpus: every variable field (a `<*>` of the line's
// ground-truth template) gets a value of another kind, so that a miner tuned to the dev logs'
// numbers meets the kinds of values the held-out systems write (user names, host names,
// host:port, paths, sizes and durations with units, bracketed values, hex ids, IPs).
//
// One value kind per (event, field): a field keeps one kind (and one format: `1.2 KB` or `512MB`)
// across the lines of its event, as in real logs, and the kinds are spread over the fields at random (seeded). Values are drawn per
// line, from pools large enough that a field with many lines sees many values. The ground-truth
// grouping is unchanged by construction, so a miner that groups by event keeps its GA.

import { SeededRandom } from '../../demo/random.js';

export const VALUE_KINDS = [
  'word',
  'user',
  'host',
  'hostport',
  'path',
  'size',
  'compactsize',
  'duration',
  'clock',
  'bracketed',
  'parenthesised',
  'hexid',
  'ip',
] as const;
export type ValueKind = (typeof VALUE_KINDS)[number];

export interface LabelledLine {
  content: string;
  /** Ground-truth event (group key). */
  event: string;
  /** Ground-truth template, `<*>` for each variable part. */
  template: string;
}

export interface RewriteResult {
  lines: string[];
  /** Lines whose template did not match their content (left as they were). */
  unmatched: number;
  /** Variable fields rewritten, by kind. */
  rewritten: Record<ValueKind, number>;
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ra', 'ten', 'vo', 'su', 'del', 'pha', 'rin', 'gor', 'be', 'nu', 'zed', 'tal', 'qui', 'mer', 'os'];
const FIRST = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'oscar', 'peggy', 'trent', 'victor', 'wendy'];
const ROLES = ['web', 'db', 'cache', 'mail', 'proxy', 'auth', 'queue', 'gateway', 'edge', 'store', 'search', 'batch'];
const DOMAINS = ['corp', 'prod', 'internal.net', 'example.com', 'lab', 'dc-east'];
const DIRS = ['var', 'opt', 'srv', 'home', 'data', 'etc', 'usr', 'tmp', 'lib', 'cache', 'spool', 'run'];
const SIZE_UNITS = ['B', 'KB', 'MB', 'GB', 'KiB', 'MiB'];
const DURATION_UNITS = ['ms', 's', 'sec', 'min'];

/** A generator of values of each kind, drawn from `r`. Words and names hold no digit on purpose. */
export function valueOf(kind: ValueKind, r: () => number): string {
  const int = (k: number): number => Math.floor(r() * k);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const word = (): string => pick(SYLLABLES) + pick(SYLLABLES) + (r() < 0.5 ? pick(SYLLABLES) : '');
  const host = (): string => (r() < 0.5 ? `${pick(ROLES)}-${word()}` : `${word()}.${pick(DOMAINS)}`);
  switch (kind) {
    case 'word':
      return word();
    case 'user':
      return r() < 0.5 ? pick(FIRST) + (r() < 0.5 ? '' : `.${word()}`) : `${pick(FIRST).slice(0, 1)}${word()}`;
    case 'host':
      return host();
    case 'hostport':
      return `${host()}:${pick([22, 80, 443, 5432, 6379, 8080, 9092, 1024 + int(60000)])}`;
    case 'path':
      return `/${pick(DIRS)}/${word()}/${word()}${r() < 0.5 ? '.log' : ''}`;
    case 'size':
      return `${(r() * 1000).toFixed(1)} ${pick(SIZE_UNITS)}`;
    case 'compactsize':
      return `${int(4096)}${pick(SIZE_UNITS)}`;
    case 'duration':
      return `${(r() * 100).toFixed(int(3))} ${pick(DURATION_UNITS)}`;
    case 'clock':
      return `${String(int(60)).padStart(2, '0')}:${String(int(60)).padStart(2, '0')}`;
    case 'bracketed':
      return `[${word()}]`;
    case 'parenthesised':
      return `(${host()})`;
    case 'hexid':
      return Array.from({ length: 12 }, () => '0123456789abcdef'[int(16)]).join('');
    case 'ip':
      return `${10 + int(200)}.${int(256)}.${int(256)}.${1 + int(254)}`;
  }
}

/** Kinds whose values hold a space. */
const SPACED = new Set<ValueKind>(['size', 'duration']);

/** Compiled templates: a regular expression with one group per `<*>` (lazy, anchored; runs of spaces loose). */
function templatePattern(template: string): RegExp {
  // Fields joined by punctuation alone (`<*>:<*>` for an address and its port) are one value.
  const parts = template.replace(/<\*>(?:[^\sA-Za-z0-9]{1,2}<\*>)+/g, '<*>').split('<*>').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+'));
  return new RegExp(`^\\s*${parts.join('(.*?)')}\\s*$`, 'sd');
}

/** FNV-1a of a string: a stable per-(event, field) choice of kind. */
function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Rewrite the variable fields of every line. A field that is empty in a line stays empty (its
 * event writes nothing there). `kinds` restricts the kinds used (default all).
 */
export function rewriteVariables(lines: readonly LabelledLine[], seed: number, kinds: readonly ValueKind[] = VALUE_KINDS): RewriteResult {
  const rng = new SeededRandom(seed);
  const r = (): number => rng.next();
  const patterns = new Map<string, RegExp>();
  const rewritten = Object.fromEntries(VALUE_KINDS.map((k) => [k, 0])) as Record<ValueKind, number>;
  let unmatched = 0;
  const out = lines.map((line) => {
    let re = patterns.get(line.template);
    if (re === undefined) patterns.set(line.template, (re = templatePattern(line.template)));
    const m = re.exec(line.content);
    if (m === null || m.length === 1) {
      if (m === null) unmatched++;
      return line.content;
    }
    // The content's own text between fields (its spacing included) is kept.
    let text = '';
    let from = 0;
    const spans = m.indices!;
    for (let f = 0; f + 1 < spans.length; f++) {
      const [a, b] = spans[f + 1] ?? [from, from];
      text += line.content.slice(from, a);
      if (b > a) {
        // A field inside a token (`blk_<*>`, `<*>:Got`) gets a value without spaces.
        const inToken = /\S/.test(line.content.charAt(a - 1)) || /\S/.test(line.content.charAt(b));
        const allowed = inToken ? kinds.filter((k) => !SPACED.has(k)) : kinds;
        const kind = allowed[fnv(`${seed}\u0000${line.event}\u0000${f}`) % allowed.length]!;
        text += valueOf(kind, r);
        rewritten[kind]++;
      }
      from = b;
    }
    return text + line.content.slice(from);
  });
  return { lines: out, unmatched, rewritten };
}
