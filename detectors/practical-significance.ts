// Practical significance of a saturation episode: statistically out of band is not the same as
// short of something. Where the unit says what the capacity is, a change too small against it is
// kept as evidence (`internal`) instead of opening an incident: a counter of seconds (CPU time,
// PSI stall time, device busy time) has a rate in seconds per second, a share of a core or of
// wall time, so 0.008 of steal or a 2 % I/O stall is noise on a shared host however tight its
// band; a free or available level (bytes, inodes) that moves by under a twentieth of itself is not
// running out; a device queue (weighted I/O time per second) is saturated only above the depth the
// node-exporter mixin's NodeDiskIOSaturation alerts on.
// And saturation has a direction, read from the values (the detector's component may not say):
// use going down (a process's RSS after a GC) or free space going up is the opposite of running
// short.
// The series keeps its class; only the episode's published significance changes, so an episode
// that grows past the bound is significant from that version on.
import type { Significance } from '../platform/contracts/events.js';
import type { EpisodePoint } from './episodes.js';

/** Least change of a seconds-per-second rate (cores, or a share of wall time) that can mean saturation. */
export const MIN_SECONDS_PER_SECOND = 0.05;
/** The node-exporter mixin's NodeDiskIOSaturation threshold: average device queue depth. */
export const MIN_DISK_QUEUE_DEPTH = 10;
/** Least change of a free or available level, as a share of its expected value. */
export const MIN_FREE_SHARE = 0.05;

const SECONDS_RATE = /(cpu(_usage)?_seconds|_seconds_total)(\{|$)/i;
const DISK_QUEUE = /_io_time_weighted_seconds_total(\{|$)/i;
const FREE_LEVEL = /(_free|_avail|_available|MemAvailable|MemFree)(_bytes)?(\{|$)/i;

/** The significance an episode is published with, given its series' class and its peak point. */
export function episodeSignificance(subject: string, significance: Significance, peak: Pick<EpisodePoint, 'observed' | 'expected' | 'direction'>): Significance {
  if (significance !== 'saturation') return significance;
  const freeLevel = FREE_LEVEL.test(subject);
  const direction = peak.observed > peak.expected ? 'up' : peak.observed < peak.expected ? 'down' : peak.direction;
  if (direction === (freeLevel ? 'up' : 'down')) return 'internal';
  const change = Math.abs(peak.observed - peak.expected);
  if (!Number.isFinite(change)) return significance;
  if (DISK_QUEUE.test(subject)) return peak.observed < MIN_DISK_QUEUE_DEPTH ? 'internal' : significance;
  if (SECONDS_RATE.test(subject) && change < MIN_SECONDS_PER_SECOND) return 'internal';
  if (freeLevel && change < MIN_FREE_SHARE * Math.abs(peak.expected)) return 'internal';
  return significance;
}
