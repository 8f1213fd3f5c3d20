// DST-safe local calendar position (hour-of-day slot, day-of-week) for an epoch-ms timestamp.
// The zone offset is looked up with Intl once per zone-hour and cached, so the hot path is arithmetic.

const HOUR = 3_600_000;
const DAY = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Offset (ms) of the zone from UTC at instant tsMs; 0 for UTC. */
export function zoneOffsetMs(zone: string, tsMs: number): number {
  if (zone === 'UTC' || zone === 'Etc/UTC') return 0;
  const parts = formatter(zone).formatToParts(new Date(tsMs));
  let y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  for (const p of parts) {
    if (p.type === 'year') y = Number(p.value);
    else if (p.type === 'month') mo = Number(p.value);
    else if (p.type === 'day') d = Number(p.value);
    else if (p.type === 'hour') h = Number(p.value);
    else if (p.type === 'minute') mi = Number(p.value);
    else if (p.type === 'second') s = Number(p.value);
  }
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  return asUtc - (tsMs - (((tsMs % 1000) + 1000) % 1000));
}

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
