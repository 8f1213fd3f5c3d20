// A metric series is its service, name and sorted labels; the key partitions the bus so one
// detector instance owns a series.
import type { Attributes } from '../platform/contracts/common.js';

export function seriesKey(service: string, name: string, labels: Attributes): string {
  const ls = Object.keys(labels).sort().map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return ls.length > 0 ? `${service}|${name}{${ls.join(',')}}` : `${service}|${name}`;
}

/** The human-readable subject of an anomaly: `name{labels}`. */
export function seriesSubject(name: string, labels: Attributes): string {
  const ls = Object.keys(labels).sort().map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return ls.length > 0 ? `${name}{${ls.join(',')}}` : name;
}
