// DST-safe local calendar position (hour-of-day slot, day-of-week) for an epoch-ms timestamp.
// The zone offset is looked up with Intl once per zone-hour and cached, so the hot path is arithmetic.

import { zoneOffsetMs } from '../../platform/time/zone-offset.js';

export { zoneOffsetMs };

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Caches one zone's offset for the current UTC hour (DST changes happen on hour boundaries or later). */
export class LocalClock {
  private from = Number.NaN;
  private offset = 0;

  constructor(private readonly zone: string) {}

  /** Local milliseconds since the epoch (wall-clock time written as if it were UTC). */
  local(tsMs: number): number {
    if (this.zone === 'UTC' || this.zone === 'Etc/UTC') return tsMs;
    if (!(tsMs >= this.from && tsMs < this.from + HOUR)) {
      this.from = Math.floor(tsMs / HOUR) * HOUR;
      this.offset = zoneOffsetMs(this.zone, this.from);
    }
    return tsMs + this.offset;
  }
}

const UTC_CLOCK = new LocalClock('UTC');
const clocks = new Map<string, LocalClock>();

/**
 * The zone's clock, shared by every series in that zone: its cache is one zone-hour's offset, right
 * for any series, and series fed together are mostly in the same hour.
 */
export function clockFor(zone: string): LocalClock {
  if (zone === 'UTC' || zone === 'Etc/UTC') return UTC_CLOCK;
  let clock = clocks.get(zone);
  if (clock === undefined) {
    clock = new LocalClock(zone);
    clocks.set(zone, clock);
  }
  return clock;
}

/** Slot of the local day (0..slotsPerDay-1). */
export function daySlot(localMs: number, slotsPerDay: number): number {
  const msOfDay = ((localMs % DAY) + DAY) % DAY;
  return Math.floor((msOfDay * slotsPerDay) / DAY);
}

/** Local day of week, 0 = Monday. */
export function dayOfWeek(localMs: number): number {
  const days = Math.floor(localMs / DAY);
  return (((days + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday
}
