// The ingest hot path's cheaper helpers must give exactly what the plain versions gave: the same
// stable ids as platform's stableId, exact nanosecond-to-millisecond conversion, the same
// canonical attribute strings, and no weaker validation.
import { describe, expect, it } from 'vitest';
import protobuf from 'protobufjs';
import { LogRecord, stableId } from '../../platform/contracts/index.js';
import { isValidUtf8 } from '../../ingest/http.js';
import {
  RecordError, canonicalAttributes, changeId, ingestId, logId, longToDecimal, longToNumber, metricId, nanosToMs, parseSeverity, severityFromName,
} from '../../ingest/normalize.js';
import { checked } from '../../ingest/records.js';
import { decodeMessage, otlpTypes } from '../../ingest/proto/index.js';

// The Long class protobufjs decodes 64-bit fields into.
const Long = protobuf.util.Long as unknown as {
  new (low: number, high: number, unsigned?: boolean): LongValue;
  fromNumber(n: number): LongValue;
  fromString(s: string, unsigned?: boolean): LongValue;
  MAX_VALUE: LongValue; MIN_VALUE: LongValue; MAX_UNSIGNED_VALUE: LongValue;
};
interface LongValue { low: number; high: number; unsigned: boolean; toString(): string }

/** The canonical form as it was first written (sorted keys, JSON-quoted values). */
function plainCanonical(a: Record<string, string>): string {
  return Object.keys(a).sort().map((k) => `${k}=${JSON.stringify(a[k])},`).join('');
}

/** A small deterministic generator, so a failure names a reproducible case. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

describe('ingest hot-path helpers', () => {
  it('ids equal platform stableId over the same parts, for any text', () => {
    const attrs = { route: '/pay', 'k "q"': 'line\nbreak', emoji: '😀', lone: '\ud800x' };
    const canon = canonicalAttributes(attrs);
    expect(logId('t1', 'api', 1714564800123, 'warn', 'body ünïcode 😀', 'h1', 'trace', attrs))
      .toBe(stableId('log', 't1', 'api', 1714564800123, 'warn', 'body ünïcode 😀', 'h1', 'trace', canon));
    expect(logId('t1', 'api', 0, 'info', '', undefined, undefined, {}))
      .toBe(stableId('log', 't1', 'api', 0, 'info', '', '', '', ''));
    expect(metricId('t1', 'api', 'req_total', 'counter', 1.5, attrs)).toBe(stableId('met', 't1', 'api', 'req_total', 'counter', 1.5, canon));
    expect(metricId('t1', 'api', 'x', 'gauge', 7, attrs, canon)).toBe(stableId('met', 't1', 'api', 'x', 'gauge', 7, canon));
    expect(changeId('t1', 'api', 9, 'deploy', 'v2', 'ci')).toBe(stableId('chg', 't1', 'api', 9, 'deploy', 'v2', 'ci'));
    expect(ingestId('dlq', 'a', 1, '\u001f')).toBe(stableId('dlq', 'a', 1, '\u001f'));
    // Parts reused between records (tenant and service, host, severity) change with the record.
    for (const tenant of ['t1', 't2']) for (const service of ['api', 'db', 't2']) for (const host of [undefined, 'h1', 'h2']) for (const severity of ['info', 'error']) {
      expect(logId(tenant, service, 5, severity, 'b', host, undefined, {})).toBe(stableId('log', tenant, service, 5, severity, 'b', host ?? '', '', ''));
    }
  });

  it('canonicalAttributes is order-independent and equal to the plain form', () => {
    const a = { b: '2', a: '1', 'a.b': 'x"y', z: '\u0001' };
    const b = { z: '\u0001', 'a.b': 'x"y', a: '1', b: '2' };
    expect(canonicalAttributes(a)).toBe(canonicalAttributes(b));
    expect(canonicalAttributes(a)).toBe(plainCanonical(a));
    expect(canonicalAttributes({})).toBe('');
    // The sort order is remembered between calls: alternating key sets and orders stay exact.
    const sets: Array<Record<string, string>> = [{ z: '1', a: '2' }, { a: '3', z: '4' }, { z: '5', a: '6' }, { m: '7', b: '8', z: '9' }, { z: '1', a: '2' }, { z: '1', a: '2', b: '3' }];
    for (const set of [...sets, ...sets.reverse()]) expect(canonicalAttributes(set)).toBe(plainCanonical(set));
  });

  it('nanosToMs is exact integer division for Longs, digit strings and numbers', () => {
    const next = rng(42);
    for (let i = 0; i < 20_000; i++) {
      const high = Math.floor(next() * 4294967296) | 0;
      const low = Math.floor(next() * 4294967296) | 0;
      const long = new Long(low, high, true);
      const exact = Number(BigInt(long.toString()) / 1_000_000n);
      expect(nanosToMs(long)).toBe(exact);
      expect(nanosToMs({ low, high })).toBe(exact);
      expect(nanosToMs(long.toString())).toBe(exact);
    }
    // Millisecond boundaries, where a float division would round the wrong way.
    for (const ns of ['1714564800123000000', '1714564800123999999', '1714564800124000000', '999999', '1000000', '00000001000000', '18446744073709551615']) {
      const exact = Number(BigInt(ns) / 1_000_000n);
      expect(nanosToMs(ns)).toBe(exact);
      expect(nanosToMs(Long.fromString(ns, true))).toBe(exact);
    }
    expect(nanosToMs(undefined)).toBeUndefined();
    expect(nanosToMs('0')).toBeUndefined();
    expect(nanosToMs(0)).toBeUndefined();
    expect(nanosToMs('12a')).toBeNaN();
    expect(nanosToMs('123456789012345678901')).toBeNaN();
    expect(nanosToMs(1714564800123456789)).toBe(Math.floor(1714564800123456789 / 1e6));
  });

  it('Long to number and decimal match Long itself', () => {
    const next = rng(7);
    const cases = [Long.fromNumber(0), Long.fromNumber(-1), Long.fromNumber(200), Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_UNSIGNED_VALUE,
      Long.fromNumber(2 ** 53 - 1), Long.fromNumber(-(2 ** 53) + 1), Long.fromString('9007199254740993')];
    for (let i = 0; i < 5_000; i++) {
      const unsigned = next() < 0.3;
      cases.push(new Long(Math.floor(next() * 4294967296) | 0, (Math.floor(next() * 4194304) - 2097152) | 0, unsigned));
      cases.push(new Long(Math.floor(next() * 4294967296) | 0, Math.floor(next() * 4294967296) | 0, unsigned));
    }
    for (const l of cases) {
      expect(longToDecimal(l)).toBe(l.toString());
      expect(longToNumber(l)).toBe(Number(l.toString()));
    }
  });

  it('strict UTF-8: surrogates, overlongs and truncated sequences are invalid', () => {
    expect(isValidUtf8(Buffer.from('plain ünïcode 😀'))).toBe(true);
    expect(isValidUtf8(Buffer.from([0xed, 0xa0, 0x80]))).toBe(false); // UTF-16 surrogate
    expect(isValidUtf8(Buffer.from([0xc0, 0xaf]))).toBe(false); // overlong '/'
    expect(isValidUtf8(Buffer.from([0xe2, 0x82]))).toBe(false); // truncated
    expect(isValidUtf8(Buffer.from([0xff]))).toBe(false);
  });

  it('severity names: exact, case-folded and prototype keys', () => {
    expect(severityFromName('warn')).toBe('warn');
    expect(severityFromName(' WARNING ')).toBe('warn');
    expect(severityFromName('INFO2')).toBe('info');
    expect(severityFromName('constructor')).toBeUndefined();
    expect(severityFromName('__proto__')).toBeUndefined();
    expect(parseSeverity('9')).toBe('info');
    expect(parseSeverity('17')).toBe('error');
    expect(parseSeverity('WARN')).toBe('warn');
    expect(() => parseSeverity('0')).toThrow(/not a known severity/);
    expect(() => parseSeverity('loud')).toThrow(/not a known severity/);
  });

  it('checked still rejects what the contract rejects, naming the field', () => {
    const ok = { id: 'log_1', tenant: 'default', ts: 1, service: 'api', severity: 'info', body: 'x', attributes: {} };
    expect(checked(LogRecord, ok)).toBe(ok);
    for (const bad of [{ ...ok, ts: -1 }, { ...ok, severity: 'loud' }, { ...ok, tenant: 'a b' }, { ...ok, attributes: { k: 1 } }, { ...ok, body: 'x'.repeat(65537) }]) {
      let err: unknown;
      try {
        checked(LogRecord, bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RecordError);
      expect((err as RecordError).reason).toBe('schema_mismatch');
      expect((err as RecordError).message).toMatch(/\//);
    }
  });

  it('protobuf decoding: strings read natively stay strict UTF-8, a oneof keeps the last member read', () => {
    const { ExportLogsServiceRequest } = otlpTypes();
    const AnyValue = ExportLogsServiceRequest.root.lookupType('opentelemetry.proto.common.v1.AnyValue');
    const encode = (write: (w: protobuf.Writer) => void): Buffer => {
      const w = protobuf.Writer.create();
      write(w);
      return Buffer.from(w.finish());
    };
    const long = 'a string longer than twelve bytes, with a real U+FFFD: \uFFFD and ünïcode';
    expect((decodeMessage(AnyValue, encode((w) => w.uint32(10).string(long))) as unknown as { stringValue: string }).stringValue).toBe(long);
    expect((decodeMessage(AnyValue, encode((w) => w.uint32(10).string('short ü'))) as unknown as { stringValue: string }).stringValue).toBe('short ü');
    for (const bad of [[0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xff]]) {
      for (const pad of ['', 'padding to go past twelve bytes ']) {
        const bytes = Buffer.concat([Buffer.from(pad), Buffer.from(bad)]);
        expect(() => decodeMessage(AnyValue, encode((w) => w.uint32(10).bytes(bytes)))).toThrow(/UTF-?8|utf-8|invalid/i);
      }
    }
    // Two members of `oneof value` on the wire: the last one read wins, as protobufjs's own setter does.
    const both = decodeMessage(AnyValue, encode((w) => w.uint32(10).string('abc').uint32(24).int64(7))) as unknown as Record<string, unknown>;
    expect(Object.keys(both)).toEqual(['intValue']);
    expect(both.value).toBe('intValue');
    const reversed = decodeMessage(AnyValue, encode((w) => w.uint32(24).int64(7).uint32(10).string('abc'))) as unknown as Record<string, unknown>;
    expect(Object.keys(reversed)).toEqual(['stringValue']);
  });

  it('protobuf decoding: ingest reader and protobufjs reader give the same messages (fixed64 edge values too)', () => {
    const { ExportLogsServiceRequest: T, ExportMetricsServiceRequest: M } = otlpTypes();
    const edge = ['0', '1', '1714564800123456789', '9223372036854775807', '9223372036854775808', '18446744073709551615'];
    const logs = T.encode(T.fromObject({ resourceLogs: [{ scopeLogs: [{ logRecords: edge.map((ns, i) => ({
      timeUnixNano: ns, observedTimeUnixNano: edge[edge.length - 1 - i], body: { stringValue: `line ${i} with ünïcode and more than twelve bytes` },
      attributes: [{ key: 'k', value: { intValue: String(-i * 1e12) } }], traceId: Buffer.alloc(16, i + 1), spanId: Buffer.alloc(8, i + 2),
    })) }] }] })).finish();
    const body = Buffer.from(logs);
    expect(decodeMessage(T, body).toJSON()).toEqual(T.decode(body).toJSON());
    const metrics = Buffer.from(M.encode(M.fromObject({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'm', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: edge.map((ns) => ({ timeUnixNano: ns, startTimeUnixNano: ns, asInt: '42' })) } }] }] }] })).finish());
    expect(decodeMessage(M, metrics).toJSON()).toEqual(M.decode(metrics).toJSON());
    // A fixed64 cut short fails as protobufjs fails.
    expect(() => decodeMessage(T, body.subarray(0, 20))).toThrow(/index out of range/);
  });
});
