// RFC 3164 timestamps carry no zone: the sender's wall clock. AIOPS_SYSLOG_TIMEZONE names the
// zone those senders are in (IANA name, default UTC), and the wall clock is read in it, DST
// included (the offset is the zone's at that instant, found with the platform's tz database).

import { zoneOffsetMs as offsetAt } from '../platform/time/zone-offset.js';

/**
 * The instant at which the wall clock in `zone` reads the given time. In a DST gap (a time that
 * does not exist) the offset before the change is used; in an overlap, the first of the two.
 */
export function zonedTimeToUtc(zone: string, year: number, month0: number, day: number, hour: number, minute: number, second: number): number {
  const wall = Date.UTC(year, month0, day, hour, minute, second);
  if (zone === 'UTC') return wall;
  const first = wall - offsetAt(zone, wall);
  const again = wall - offsetAt(zone, first);
  // The earlier instant whose own offset gives this wall clock (the overlap's first reading).
  for (const c of [Math.min(first, again), Math.max(first, again)]) if (c + offsetAt(zone, c) === wall) return c;
  // None: a time in a DST gap; read it with the offset of three hours earlier (before the change).
  return wall - offsetAt(zone, wall - 3 * 3_600_000);
}
