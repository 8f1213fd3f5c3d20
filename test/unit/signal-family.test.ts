// Signal families of metric names, alert names and anomalies.
import { describe, expect, it } from 'vitest';
import { familyOf, familyOfName } from '../../correlator/signal-family.js';

describe('familyOfName', () => {
  it('reads the golden signal from metric and alert names', () => {
    const cases: Array<[string, string]> = [
      ['HighErrorRate', 'errors'],
      ['http_server_error_ratio', 'errors'],
      ['availability_average', 'errors'],
      ['KubePodCrashLooping', 'errors'],
      ['HighLatency', 'latency'],
      ['http_server_request_duration_seconds', 'latency'],
      ['latency_p95', 'latency'],
      ['CPUThrottlingHigh', 'saturation'],
      ['process_cpu_utilization_percent', 'saturation'],
      ['KubeMemoryOvercommit', 'saturation'],
      ['http_requests_total', 'traffic'],
      ['WebIsUnhappy', 'other'],
    ];
    for (const [name, family] of cases) expect(familyOfName(name), name).toBe(family);
  });

  it('takes an anomaly family from its series or alert name, not its labels', () => {
    expect(familyOf({ signal: 'alert', subject: 'HighLatency{severity="error"}' })).toBe('latency');
    expect(familyOf({ signal: 'log', subject: 'log_error_ratio' })).toBe('errors');
    expect(familyOf({ signal: 'log', subject: 'log-new-template' })).toBe('other');
    expect(familyOf({ signal: 'session', subject: 'session' })).toBe('other');
  });
});
