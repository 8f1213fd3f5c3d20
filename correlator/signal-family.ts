// Which golden signal an anomaly or an alert is about: latency, errors, saturation or traffic.
// An alert on a symptom ("HighErrorRate on checkout") is explained by the same kind of signal in
// the services it calls; a dependency whose CPU jumped while nothing it serves failed more is
// not its cause. The RCA benchmark showed it first (PetShop: taking only the alert's statistic
// as evidence lifted AC@1 from 0.81 to 0.96); the grouper keeps evidence per family so the live
// pipeline ranks the same way.
import type { Anomaly } from '../platform/contracts/events.js';

export type SignalFamily = 'latency' | 'errors' | 'saturation' | 'traffic' | 'other';

// Words, matched on `_`, `-`, `.`, camelCase and `{` boundaries of a metric name or alert name.
const FAMILIES: ReadonlyArray<[Exclude<SignalFamily, 'other'>, RegExp]> = [
  ['errors', /^(errors?|err|fail(ed|ures?|ing)?|5xx|exceptions?|availability|success|crash(looping|es)?|unavailable|down)$/],
  ['latency', /^(latency|duration|slow|response|rt|lag|delay|p\d{2,3})$/],
  ['saturation', /^(cpu|memory|mem|saturation|utilization|utilisation|throttl(ed|ing)|oom(killed)?|disk|queue|load|heap|gc|pressure|full|filling)$/],
  ['traffic', /^(requests?|traffic|throughput|rps|qps|calls|rate)$/],
];

/** The words of a name: `HighErrorRate` and `http_server_errors_total` give `error`-like words. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/** The family of a metric name or alert name; the first family any of its words names, in the order above. */
export function familyOfName(name: string): SignalFamily {
  const ws = words(name);
  for (const [family, re] of FAMILIES) if (ws.some((w) => re.test(w))) return family;
  return 'other';
}

/**
 * An anomaly's family: from the series name (labels are not looked at: `severity="error"` says
 * nothing about the signal), from the alert name for an external alert, `errors` for a log error
 * ratio, `other` for log templates and sessions.
 */
export function familyOf(a: Pick<Anomaly, 'signal' | 'subject'>): SignalFamily {
  const name = a.subject.split('{')[0]!;
  if (a.signal === 'log') return name === 'log_error_ratio' ? 'errors' : 'other';
  if (a.signal === 'session') return 'other';
  return familyOfName(name);
}
