// Practical significance of a saturation episode: statistically out of band is not the same as
// short of something. Where the unit says what the capacity is, a change too small against it is
// kept as evidence (`internal`) instead of opening an incident: a CPU-time counter's rate is in
// cores, so 0.008 core of steal is noise on a shared host however tight its band; a free or
// available level (bytes, inodes) that moves by under a twentieth of itself is not running out.
// And saturation has a direction: use going down (a process's RSS after a GC) or free space going
// up is the opposite of running short.
// The series keeps its class; only the episode's published significance changes, so an episode
// that grows past the bound is significant from that version on.
import type { Significance } from '../platform/contracts/events.js';
import type { EpisodePoint } from './episodes.js';

/** Least change, in cores, of a CPU-time rate that can mean saturation. */
export const MIN_CPU_CORES = 0.05;
/** Least change of a free or available level, as a share of its expected value. */
export const MIN_FREE_SHARE = 0.05;

const CPU_TIME = /cpu(_usage)?_seconds(_total)?(\{|$)/i;
const FREE_LEVEL = /(_free|_avail|_available|MemAvailable|MemFree)(_bytes)?(\{|$)/i;

/** The significance an episode is published with, given its series' class and its peak point. */
export function episodeSignificance(subject: string, significance: Significance, peak: Pick<EpisodePoint, 'observed' | 'expected' | 'direction'>): Significance {
  if (significance !== 'saturation') return significance;
  const freeLevel = FREE_LEVEL.test(subject);
  if (peak.direction === (freeLevel ? 'up' : 'down')) return 'internal';
  const change = Math.abs(peak.observed - peak.expected);
  if (!Number.isFinite(change)) return significance;
  if (CPU_TIME.test(subject) && change < MIN_CPU_CORES) return 'internal';
  if (freeLevel && change < MIN_FREE_SHARE * Math.abs(peak.expected)) return 'internal';
  return significance;
}
