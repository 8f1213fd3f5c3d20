// The title a person reads first, in a page, a Slack message or the incident list: what broke,
// by how much, since when, and who feels it ("payments: latency p99 x4, error ratio 30% since
// 10:42 UTC, affects checkout (user-facing), frontend (user-facing)"). Built from each service's
// strongest anomaly per signal family, which the grouper keeps as anomalies join (`Peak`).
import type { Anomaly } from '../platform/contracts/events.js';

/** A service's strongest anomaly of one signal family, as much of it as a title needs. */
export interface Peak {
  signal: Anomaly['signal'];
  subject: string;
  observed: number;
  expected: number;
  direction: Anomaly['direction'];
  /** Band half-widths (0 for an alert, which has no band): what "strongest" compares. */
  deviation: number;
}

export const peakOf = (a: Anomaly, deviation: number): Peak => ({
  signal: a.signal, subject: a.subject, observed: a.observed, expected: a.expected, direction: a.direction, deviation,
});

/** A metric name a person reads: `latency_p99_ms` -> `latency p99`. */
function readable(subject: string): string {
  const name = subject.split('{')[0]!.replace(/_(ms|milliseconds|seconds|secs|s|us|total|count|percent|pct)$/, '');
  return name.replace(/[_.]+/g, ' ').trim() || subject;
}

const num = (x: number): string => (Math.abs(x) >= 10 ? String(Math.round(x)) : String(Math.round(x * 10) / 10));
const isShare = (p: Peak): boolean => /(ratio|share|fraction)/i.test(p.subject) && p.observed >= 0 && p.observed <= 1;
const isPercent = (p: Peak): boolean => /(percent|pct)/i.test(p.subject.split('{')[0]!);

/** What one peak says: `latency p99 x4`, `error ratio 30%`, `requests down to 20% of usual`, `HighErrorRate firing`. */
export function phrase(p: Peak): string {
  const name = readable(p.subject);
  if (p.signal === 'alert') return `${name} firing`;
  if (isShare(p)) return `${name} ${num(p.observed * 100)}%`;
  if (isPercent(p)) return `${name} ${num(p.observed)}%`;
  if (p.expected > 0 && p.observed >= 0) {
    const r = p.observed / p.expected;
    if (p.direction === 'up' && r >= 1.5) return `${name} x${num(r)}`;
    if (p.direction === 'down' && r <= 0.67) return `${name} down to ${num(r * 100)}% of usual`;
  }
  return `${name} ${num(p.observed)} (usual ${num(p.expected)})`;
}

export interface TitleInput {
  /** The top root cause, or the first affected service. */
  service: string | undefined;
  /** That service's peaks, one per signal family. */
  peaks: readonly Peak[];
  openedAt: number;
  services: readonly string[];
  userFacing: readonly string[];
  /** False without a topology: nobody knows which services users reach. */
  userFacingKnown: boolean;
}

const MAX_PHRASES = 2;
const MAX_AFFECTED = 3;

export function incidentTitle(t: TitleInput): string {
  if (!t.service) return 'anomalies';
  // Measured deviations first; an external alert names what broke when nothing was measured.
  const ranked = [...t.peaks].sort((a, b) => Number(a.signal === 'alert') - Number(b.signal === 'alert') || b.deviation - a.deviation);
  const what = ranked.slice(0, MAX_PHRASES).map(phrase);
  const since = new Date(t.openedAt).toISOString().slice(11, 16);
  let title = `${t.service}: ${what.length > 0 ? what.join(', ') : 'anomalous'} since ${since} UTC`;
  const others = t.services.filter((s) => s !== t.service);
  const mark = (s: string) => (t.userFacing.includes(s) ? `${s} (user-facing)` : s);
  if (others.length > 0) {
    const listed = others.slice(0, MAX_AFFECTED).map(mark).join(', ');
    title += `, affects ${listed}${others.length > MAX_AFFECTED ? ` and ${others.length - MAX_AFFECTED} more` : ''}`;
  } else if (t.userFacingKnown && t.userFacing.includes(t.service)) title += ' (user-facing)';
  if (!t.userFacingKnown) title += '; user-facing unknown (no topology)';
  return title.slice(0, 1024);
}
