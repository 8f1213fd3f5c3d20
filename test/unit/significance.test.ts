// Series significance from Prometheus / OpenTelemetry names: golden signals and saturation may
// open incidents, process and runtime internals only support them.
import { describe, expect, it } from 'vitest';
import { significanceClassifier, significanceFromFile } from '../../detectors/significance.js';
import { episodeSignificance } from '../../detectors/practical-significance.js';

const classify = significanceClassifier().classify;

describe('series significance', () => {
  it.each([
    ['http_server_request_duration_seconds_bucket{le="0.5"}', 'internal'],
    ['http_server_request_duration_seconds_sum', 'golden'],
    ['http_server_request_duration_seconds_count{code="200"}', 'golden'],
    ['http_server_request_duration_p95_ms', 'golden'],
    ['checkout_latency_ms', 'golden'],
    ['http_requests_total{code="200"}', 'golden'],
    ['grpc_server_handled_total', 'golden'],
    ['http.server.request.duration', 'golden'],
    ['orders_total{status="503"}', 'golden'],
    ['payment_errors_total', 'golden'],
    ['node_cpu_seconds_total{cpu="0",mode="user"}', 'saturation'],
    ['node_memory_MemAvailable_bytes', 'saturation'],
    ['node_filesystem_avail_bytes{mountpoint="/"}', 'saturation'],
    ['node_network_receive_errs_total{device="eth0"}', 'saturation'],
    ['kafka_consumergroup_lag', 'saturation'],
    ['process_cpu_seconds_total', 'saturation'],
    ['process_resident_memory_bytes', 'saturation'],
    ['container_memory_working_set_bytes', 'saturation'],
    ['process_virtual_memory_bytes', 'internal'],
    ['process_open_fds', 'internal'],
    ['process_start_time_seconds', 'internal'],
    ['nodejs_heap_space_size_used_bytes{space="old"}', 'internal'],
    ['nodejs_eventloop_lag_seconds', 'internal'],
    ['go_gc_duration_seconds{quantile="0.5"}', 'internal'],
    ['go_memstats_heap_alloc_bytes', 'internal'],
    ['jvm_gc_pause_seconds_count', 'internal'],
    ['scrape_duration_seconds', 'internal'],
    ['up', 'internal'],
    ['node_exporter_build_info', 'internal'],
    ['prometheus_http_requests_total{code="200",handler="/metrics"}', 'internal'],
    ['prometheus_tsdb_head_series', 'internal'],
    ['node_time_seconds', 'internal'],
    ['node_entropy_available_bits', 'internal'],
    ['node_network_receive_bytes_total{device="eth0"}', 'internal'],
    ['node_disk_reads_completed_total{device="vda"}', 'internal'],
    ['node_memory_Dirty_bytes', 'internal'],
    ['node_netstat_Udp_InDatagrams', 'internal'],
    ['process_resident_memory_bytes{instance="127.0.0.1:19090",job="prometheus"}', 'internal'],
    ['process_cpu_seconds_total{instance="127.0.0.1:19100",job="node"}', 'internal'],
    ['process_resident_memory_bytes{instance="127.0.0.1:18083",job="shop",service="payments"}', 'saturation'],
    ['node_disk_io_time_seconds_total{device="vda"}', 'saturation'],
    ['node_load1', 'saturation'],
    ['node_pressure_cpu_waiting_seconds_total', 'saturation'],
    ['node_procs_blocked', 'internal'],
    ['orders_placed', 'other'],
  ])('%s is %s', (subject, want) => {
    expect(classify(subject)).toBe(want);
  });

  it('a significance file adds rules ahead of the defaults and can change the fallback', () => {
    const c = significanceFromFile({ rules: [{ pattern: '^process_cpu', significance: 'internal' }], unknown: 'internal' });
    expect(c.classify('process_cpu_seconds_total')).toBe('internal');
    expect(c.classify('http_requests_total')).toBe('golden');
    expect(c.classify('orders_placed')).toBe('internal');
  });

  it('a bad significance file is CONFIG_INVALID with every problem named', () => {
    expect(() => significanceFromFile({ rules: [{ pattern: '(', significance: 'internal' }, { pattern: '[', significance: 'golden' }] })).toThrowError(/rules\[0\][\s\S]*rules\[1\]/);
    try {
      significanceFromFile({ rules: [{ pattern: 'x', significance: 'loud' }] });
      expect.unreachable();
    } catch (err) {
      expect((err as { code: string }).code).toBe('CONFIG_INVALID');
    }
  });
});

describe('practical significance of a saturation episode', () => {
  it('a change away from exhaustion, a seconds-per-second rate change under 0.05, a device queue under 10, or a free level moving under 5 % of itself is evidence only; the rest stays saturation', () => {
    const steal = 'node_cpu_seconds_total{cpu="0",mode="steal"}';
    expect(episodeSignificance(steal, 'saturation', { observed: 0.008, expected: 0, direction: 'up' })).toBe('internal');
    expect(episodeSignificance('process_cpu_seconds_total', 'saturation', { observed: 0.9, expected: 0.1, direction: 'up' })).toBe('saturation');
    const inodes = 'node_filesystem_files_free{mountpoint="/"}';
    expect(episodeSignificance(inodes, 'saturation', { observed: 16_182_225, expected: 16_313_226, direction: 'down' })).toBe('internal');
    expect(episodeSignificance(inodes, 'saturation', { observed: 8_000_000, expected: 16_313_226, direction: 'down' })).toBe('saturation');
    // Away from exhaustion: memory use dropping after a GC, free space growing.
    expect(episodeSignificance('process_resident_memory_bytes', 'saturation', { observed: 99e6, expected: 113e6, direction: 'down' })).toBe('internal');
    expect(episodeSignificance(inodes, 'saturation', { observed: 16_900_000, expected: 8_000_000, direction: 'up' })).toBe('internal');
    expect(episodeSignificance('process_resident_memory_bytes', 'saturation', { observed: 300e6, expected: 113e6, direction: 'up' })).toBe('saturation');
    // The direction is the values': a detector component that did not fire says 'none'.
    expect(episodeSignificance('process_resident_memory_bytes', 'saturation', { observed: 99e6, expected: 113e6, direction: 'none' })).toBe('internal');
    // Seconds per second: PSI stall time is a share of wall time, like CPU time a share of a core.
    const stalled = 'node_pressure_io_stalled_seconds_total';
    expect(episodeSignificance(stalled, 'saturation', { observed: 0.0177, expected: 0.00005, direction: 'up' })).toBe('internal');
    expect(episodeSignificance(stalled, 'saturation', { observed: 0.4, expected: 0.01, direction: 'up' })).toBe('saturation');
    // A device queue is saturated above the mixin's depth of 10, however far out of its band.
    const queue = 'node_disk_io_time_weighted_seconds_total{device="vda"}';
    expect(episodeSignificance(queue, 'saturation', { observed: 1.4, expected: 0.15, direction: 'up' })).toBe('internal');
    expect(episodeSignificance(queue, 'saturation', { observed: 14, expected: 0.15, direction: 'up' })).toBe('saturation');
    // Other classes and other saturation series are left as they are.
    expect(episodeSignificance('node_load1', 'saturation', { observed: 0.3, expected: 0.29, direction: 'up' })).toBe('saturation');
    expect(episodeSignificance('http_requests_total', 'golden', { observed: 0.01, expected: 0, direction: 'up' })).toBe('golden');
  });
});
