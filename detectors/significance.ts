// Which series say something about a service's users, from the series' name and labels alone,
// after the Prometheus and OpenTelemetry naming conventions. Golden signals (latency, traffic,
// errors) and saturation open incidents; process and runtime internals (heap spaces, GC, virtual
// memory, scrape bookkeeping, build info, Prometheus' own internals) are recorded as evidence but
// never open an incident alone: on a real feed they are most of the series and most of the noise.
// The table is in detectors/README.md; AIOPS_SIGNIFICANCE_FILE adds rules ahead of the defaults.
import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import type { Significance } from '../platform/contracts/events.js';
import { validate } from '../platform/contracts/validate.js';
import { AiopsError } from '../platform/errors/aiops-error.js';

export interface SignificanceRule {
  significance: Significance;
  /** Tested against the series subject, `name{label="value",...}` (labels sorted). */
  pattern: RegExp;
  /** Why, for the README table and the anomaly's evidence. */
  why: string;
}

const rule = (significance: Significance, pattern: RegExp, why: string): SignificanceRule => ({ significance, pattern, why });

/**
 * First match wins. Internals that look like resources (a heap is memory, GC is latency) come
 * first; then golden signals and saturation; then the rest of the runtime families.
 */
export const DEFAULT_SIGNIFICANCE_RULES: readonly SignificanceRule[] = [
  rule('internal', /^(go|nodejs|jvm|dotnet|python|ruby|erlang|v8js)_|^(process\.runtime|runtime|jvm|v8js|dotnet)\./i, 'language runtime internals (GC, heap spaces, event loop, threads)'),
  rule('internal', /(^|_)(gc|heap|heap_space|virtual_memory|vmem|open_fds|max_fds|start_time)(_|\{|$)/i, 'process internals: GC, heap, virtual memory, file descriptors, start time'),
  rule('internal', /^(scrape_|up(\{|$)|target_info|prometheus_|promhttp_|net_conntrack_|alertmanager_|otelcol_|aiops_)/i, 'monitoring bookkeeping: scrapes, up, Prometheus/collector internals, this pipeline'),
  rule('internal', /_(build_info|info)(\{|$)/i, 'build and static info series'),
  rule('internal', /^process_[^{]*\{(.*,)?job="(prometheus|alertmanager|pushgateway|node|node[-_]exporter|blackbox)"/i, 'the monitoring stack\'s own processes (Prometheus, Alertmanager, exporters under their conventional job names)'),
  rule('internal', /^node_(time|timex|boot_time|entropy|uname|os_|exporter|scrape|textfile|selinux|dmi|nf_conntrack|arp|cooling|hwmon|thermal)/i, 'host bookkeeping (clock, entropy, exporter internals)'),
  // node-exporter: only the families the node-exporter mixin alerts on (CPU, load, memory
  // available, swap, major faults, OOM kills, filesystem space and inodes, disk I/O time, network
  // errors and drops, file descriptors, md and systemd state), and PSI stall time, say the host is
  // short of something; blocked-process counts are not alerted on.
  // I/O and packet counts, page cache and netstat move with whatever shares the host.
  rule('internal', /^node_(?!(cpu_|load\d|pressure_|memory_(MemAvailable|MemFree|MemTotal|Swap)|vmstat_(pgmajfault|oom_kill)|filesystem_(avail|free|size|files|readonly|device_error)|disk_io_time|network_(receive|transmit)_(errs|drop)|network_up|filefd_|md_|systemd_unit_state))/i, 'host activity and kernel statistics outside the node-exporter mixin alerts (I/O and packet counts, page cache, netstat)'),
  // A histogram's buckets are its shape, one series per bound: in a latency fault the fast buckets'
  // rates fall to zero (inside a band that reaches below zero) and the baseline learns that, so
  // their recovery looks like the fault. The histogram's `_sum` (latency x traffic) and `_count`
  // (traffic) carry its golden signals; the buckets are evidence.
  rule('internal', /_bucket(\{|$)/i, "histogram buckets (the histogram's _sum and _count carry its latency and traffic)"),
  rule('golden', /(_duration_seconds|_duration_ms|latency|response_time|\.duration(\{|$))/i, 'latency'),
  rule('golden', /(_requests?_total|^http_|^grpc_|^rpc_|^http\.|^rpc\.)/i, 'traffic and errors (request counters, HTTP/gRPC)'),
  rule('golden', /(error|fail|exception|timeout|(^|_)5xx)/i, 'errors'),
  rule('golden', /(code|status|status_code|http_status_code|http_response_status_code|http\.response\.status_code)="5\d\d"/i, 'a 5xx status code label'),
  rule('saturation', /(cpu|memory|mem_|resident|rss|disk|filesystem|fs_|inode|swap|load[0-9]*|pressure|saturation|utili[sz]ation|throttl)/i, 'saturation: CPU, memory, disk, filesystem'),
  rule('saturation', /(network|net_|nic_).*(err|drop|retrans)|(err|drop).*(network|net_)/i, 'saturation: network errors and drops'),
  rule('saturation', /(queue|lag|backlog|pending|depth|in_flight|inflight|connections|pool)/i, 'saturation: queue lag and depth, connection pools'),
  rule('saturation', /^(node_|container_|system\.|k8s\.|kube_)/i, 'host and container resources'),
  rule('internal', /^process_/i, 'other process internals'),
];

export interface SignificanceClassifier {
  classify(subject: string): Significance;
}

/** A classifier over the rules, first match wins, else `fallback`. */
export function significanceClassifier(rules: readonly SignificanceRule[] = DEFAULT_SIGNIFICANCE_RULES, fallback: Significance = 'other'): SignificanceClassifier {
  const cache = new Map<string, Significance>();
  return {
    classify(subject: string): Significance {
      let s = cache.get(subject);
      if (s === undefined) {
        s = rules.find((r) => r.pattern.test(subject))?.significance ?? fallback;
        if (cache.size > 100_000) cache.clear();
        cache.set(subject, s);
      }
      return s;
    },
  };
}

/** Whether an anomaly of this significance may open an incident by itself. */
export const opensIncidents = (s: Significance | undefined): boolean => s !== 'internal';

const SignificanceName = Type.Union([Type.Literal('golden'), Type.Literal('saturation'), Type.Literal('other'), Type.Literal('internal')]);
/** AIOPS_SIGNIFICANCE_FILE: rules tried before the defaults (or instead of them, with `replaceDefaults`). */
export const SignificanceFile = Type.Object({
  rules: Type.Array(Type.Object({ pattern: Type.String({ minLength: 1, maxLength: 1024 }), significance: SignificanceName, why: Type.Optional(Type.String({ maxLength: 256 })) }), { maxItems: 1000 }),
  /** For series no rule matches; `other` (the default) is significant. */
  unknown: Type.Optional(SignificanceName),
  replaceDefaults: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
export type SignificanceFile = Static<typeof SignificanceFile>;

/** Reads and checks a significance file; every problem is reported at once as CONFIG_INVALID. */
export function loadSignificanceFile(path: string): SignificanceClassifier {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new AiopsError('CONFIG_INVALID', `AIOPS_SIGNIFICANCE_FILE: cannot read ${path} as JSON (${(err as Error).message}); point it at a JSON file like the example in detectors/README.md.`);
  }
  return significanceFromFile(raw, path);
}

export function significanceFromFile(raw: unknown, path = 'AIOPS_SIGNIFICANCE_FILE'): SignificanceClassifier {
  const v = validate(SignificanceFile, raw);
  if (!v.ok) throw new AiopsError('CONFIG_INVALID', `AIOPS_SIGNIFICANCE_FILE: ${path} does not match the schema: ${v.error}`);
  const problems: string[] = [];
  const rules: SignificanceRule[] = [];
  v.value.rules.forEach((r, i) => {
    try {
      rules.push({ significance: r.significance, pattern: new RegExp(r.pattern), why: r.why ?? `rule ${i + 1} of ${path}` });
    } catch (err) {
      problems.push(`rules[${i}].pattern: ${(err as Error).message}`);
    }
  });
  if (problems.length > 0) throw new AiopsError('CONFIG_INVALID', `AIOPS_SIGNIFICANCE_FILE: ${path} has invalid patterns:\n  - ${problems.join('\n  - ')}`, { problems });
  return significanceClassifier(v.value.replaceDefaults ? rules : [...rules, ...DEFAULT_SIGNIFICANCE_RULES], v.value.unknown ?? 'other');
}
