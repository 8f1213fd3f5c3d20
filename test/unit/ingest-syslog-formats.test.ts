import { describe, expect, it } from 'vitest';
import { createSocket } from 'node:dgram';
import { Writable } from 'node:stream';
import pino from 'pino';
import { MemoryBus } from '../../platform/bus/memory-bus.js';
import { TOPICS, type DeadLetter } from '../../platform/contracts/index.js';
import { createMetrics } from '../../platform/telemetry/metrics.js';
import { Publisher, DEFAULT_PUBLISHER_OPTIONS } from '../../ingest/publisher.js';
import { SyslogListeners, parseSyslog } from '../../ingest/syslog.js';
import { zonedTimeToUtc } from '../../ingest/syslog-time-zone.js';
import { loadConfig } from '../../platform/config/config.js';

const NOW = Date.parse('2024-12-01T12:00:00Z');

describe('RFC 3164 time zones', () => {
  it('reads the wall clock as UTC by default', () => {
    expect(parseSyslog('<13>Nov 30 09:00:00 h app: x', NOW).ts).toBe(Date.UTC(2024, 10, 30, 9));
  });

  it('reads the wall clock in the configured zone (a Tokyo sender is 9 hours ahead of UTC)', () => {
    expect(parseSyslog('<13>Nov 30 09:00:00 h app: x', NOW, undefined, { timeZone: 'Asia/Tokyo' }).ts).toBe(Date.UTC(2024, 10, 30, 0));
  });

  it('follows daylight saving time in the zone', () => {
    const summer = parseSyslog('<13>Jul  1 12:00:00 h app: x', NOW, undefined, { timeZone: 'America/New_York' }).ts;
    const winter = parseSyslog('<13>Nov 15 12:00:00 h app: x', NOW, undefined, { timeZone: 'America/New_York' }).ts;
    expect(summer).toBe(Date.UTC(2024, 6, 1, 16));
    expect(winter).toBe(Date.UTC(2024, 10, 15, 17));
  });

  it('reads a time in a DST gap with the offset before the change, and an overlap as its first reading', () => {
    expect(zonedTimeToUtc('America/New_York', 2024, 2, 10, 2, 30, 0)).toBe(Date.UTC(2024, 2, 10, 7, 30));
    expect(zonedTimeToUtc('America/New_York', 2024, 10, 3, 1, 30, 0)).toBe(Date.UTC(2024, 10, 3, 5, 30));
  });

  it('still takes last year for a date that would be in the future in the zone', () => {
    expect(parseSyslog('<13>Dec 25 10:00:00 h app: x', NOW, undefined, { timeZone: 'Europe/Paris' }).ts).toBe(Date.UTC(2023, 11, 25, 9));
  });

  it('AIOPS_SYSLOG_TIMEZONE defaults to UTC and refuses a name that is not an IANA zone', () => {
    expect(loadConfig({}).ingest.syslogTimeZone).toBe('UTC');
    expect(loadConfig({ AIOPS_SYSLOG_TIMEZONE: 'Asia/Tokyo' }).ingest.syslogTimeZone).toBe('Asia/Tokyo');
    expect(() => loadConfig({ AIOPS_SYSLOG_TIMEZONE: 'Mars/Olympus' })).toThrow(/AIOPS_SYSLOG_TIMEZONE.*IANA/);
  });
});

describe("rsyslog's RSYSLOG_ForwardFormat", () => {
  it('reads an RFC 3339 high-precision timestamp in a 3164-style line, zone included', () => {
    const r = parseSyslog('<30>2024-11-30T09:15:02.123456+09:00 web-1 sshd[4242]: Accepted publickey for deploy', NOW, undefined, { timeZone: 'America/New_York' });
    expect(r).toMatchObject({ ts: Date.UTC(2024, 10, 30, 0, 15, 2, 123), host: 'web-1', service: 'sshd', severity: 'info', body: 'Accepted publickey for deploy', attributes: { procid: '4242', 'syslog.format': 'rfc3164-rfc3339' } });
  });

  it('reads a UTC timestamp without fraction and a line without a host', () => {
    expect(parseSyslog('<27>2024-11-30T09:15:02Z cron[9]: job failed', NOW)).toMatchObject({ ts: Date.UTC(2024, 10, 30, 9, 15, 2), service: 'cron', severity: 'error' });
  });

  it('refuses an impossible date with a reason', () => {
    expect(() => parseSyslog('<13>2024-02-30T09:15:02Z h app: x', NOW)).toThrow(/RFC 3339/);
  });
});

describe('refused syslog lines', () => {
  it('are dead-lettered and logged at debug, at most one log line a second', async () => {
    const bus = new MemoryBus();
    const dead: DeadLetter[] = [];
    await bus.subscribe({ group: 'rec', topics: [TOPICS.deadLetter], handler: async (b) => void dead.push(...b.map((m) => m.value as DeadLetter)) });
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), cb()) });
    const logger = pino({ level: 'debug' }, sink);
    const metrics = createMetrics(false);
    const listeners = new SyslogListeners({ host: '127.0.0.1', tcpPort: undefined, udpPort: 0, maxFrameBytes: 65536, publisher: new Publisher(bus, metrics, logger, DEFAULT_PUBLISHER_OPTIONS), logger, metrics });
    await listeners.start();
    try {
      const s = createSocket('udp4');
      for (let i = 0; i < 5; i++) await new Promise<void>((r) => s.send(`<13>yesterday h app: refused ${i}`, listeners.udpPort, '127.0.0.1', () => r()));
      s.close();
      for (let i = 0; i < 200 && dead.length < 5; i++) await new Promise((r) => setTimeout(r, 10));
      expect(dead.map((d) => d.payload).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `<13>yesterday h app: refused ${i}`));
      const refused = lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('syslog line refused'));
      expect(refused).toHaveLength(1);
      expect(refused[0]).toMatchObject({ level: 20, reason: 'invalid_syslog', notLoggedSince: 0 });
      expect(String(refused[0]!.line)).toMatch(/^<13>yesterday h app: refused \d$/);
    } finally {
      await listeners.stop();
      await bus.close();
    }
  });
});
