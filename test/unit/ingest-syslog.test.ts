import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnection } from 'node:net';
import { createSocket } from 'node:dgram';
import pino from 'pino';
import { MemoryBus } from '../../platform/bus/memory-bus.js';
import { TOPICS, type DeadLetter, type LogRecord } from '../../platform/contracts/index.js';
import { createMetrics } from '../../platform/telemetry/metrics.js';
import { Publisher, DEFAULT_PUBLISHER_OPTIONS } from '../../ingest/publisher.js';
import { SyslogFramer, SyslogListeners, parseSyslog } from '../../ingest/syslog.js';
import { loadConfig } from '../../platform/config/config.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');

describe('syslog parsing', () => {
  it('reads the RFC 5424 examples', () => {
    const a = parseSyslog("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \uFEFF'su root' failed for lonvick on /dev/pts/8", NOW);
    expect(a).toMatchObject({ ts: Date.parse('2003-10-11T22:14:15.003Z'), host: 'mymachine.example.com', service: 'su', severity: 'fatal', body: "'su root' failed for lonvick on /dev/pts/8", attributes: { facility: '4', msgid: 'ID47' } });
    const b = parseSyslog('<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It\'s time to make the do-nuts.', NOW);
    expect(b).toMatchObject({ ts: Date.parse('2003-08-24T12:14:15.000Z'), host: '192.0.2.1', service: 'myproc', severity: 'info', attributes: { procid: '8710', facility: '20' } });
    const c = parseSyslog('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] An application event log entry...', NOW);
    expect(c).toMatchObject({ service: 'evntslog', body: 'An application event log entry...', attributes: { 'sd.exampleSDID@32473.eventSource': 'Application', 'sd.exampleSDID@32473.iut': '3' } });
    const d = parseSyslog('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3"][examplePriority@32473 class="high"]', NOW);
    expect(d.attributes['sd.examplePriority@32473.class']).toBe('high');
    expect(d.body).toBe('');
  });

  it('reads the RFC 3164 examples, with and without a host', () => {
    const a = parseSyslog("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8", NOW);
    expect(a).toMatchObject({ ts: Date.UTC(2023, 9, 11, 22, 14, 15), host: 'mymachine', service: 'su', severity: 'fatal', body: "'su root' failed for lonvick on /dev/pts/8" });
    const b = parseSyslog('<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!', NOW);
    expect(b).toMatchObject({ ts: Date.UTC(2024, 1, 5, 17, 32, 18), host: '10.0.0.99', service: 'syslog', severity: 'info', body: 'Use the BFG!' });
    const c = parseSyslog('<30>Apr 30 10:01:02 web-1 sshd[4242]: Accepted publickey for deploy', NOW);
    expect(c).toMatchObject({ host: 'web-1', service: 'sshd', severity: 'info', attributes: { procid: '4242' } });
    const d = parseSyslog('<27>Apr 30 10:01:02 cron[9]: job failed', NOW);
    expect(d).toMatchObject({ service: 'cron', severity: 'error' });
    expect(d.host).toBeUndefined();
  });

  it('names the problem for lines that are not syslog', () => {
    expect(() => parseSyslog('hello', NOW)).toThrow(/expected <PRI>/);
    expect(() => parseSyslog('<999>1 - - - - - -', NOW)).toThrow(/PRI/);
    expect(() => parseSyslog('<34>1 yesterday host app - - - x', NOW)).toThrow(/RFC 3339/);
  });

  it('frames octet-counted and newline-delimited messages split across chunks', () => {
    const f = new SyslogFramer(1000);
    const m1 = '<34>1 2003-10-11T22:14:15.003Z h a - - - one';
    const wire = Buffer.from(`${Buffer.byteLength(m1)} ${m1}<13>Feb  5 17:32:18 h two\n<13>Feb  5 17:32:18 h three\n`);
    const frames = [...f.push(wire.subarray(0, 10)), ...f.push(wire.subarray(10, 60)), ...f.push(wire.subarray(60))].map((b) => b.toString());
    expect(frames).toEqual([m1, '<13>Feb  5 17:32:18 h two', '<13>Feb  5 17:32:18 h three']);
    expect(() => new SyslogFramer(100).push(Buffer.from('99999 x'))).toThrow(/length/);
  });

  it('reads the ports from the configuration, 0 meaning off', () => {
    expect(loadConfig({}).ingest).toMatchObject({ syslogTcpPort: 0, syslogUdpPort: 0 });
    expect(loadConfig({ AIOPS_SYSLOG_TCP_PORT: '1514', AIOPS_SYSLOG_UDP_PORT: '0' }).ingest).toMatchObject({ syslogTcpPort: 1514, syslogUdpPort: 0 });
    expect(() => loadConfig({ AIOPS_SYSLOG_UDP_PORT: 'abc' })).toThrow(/AIOPS_SYSLOG_UDP_PORT/);
  });
});

describe('syslog over TCP and UDP', () => {
  const bus = new MemoryBus();
  const seen: Array<{ topic: string; value: unknown }> = [];
  let listeners: SyslogListeners;
  beforeAll(async () => {
    await bus.subscribe({ group: 'rec', topics: [TOPICS.logs, TOPICS.deadLetter], handler: async (b) => void seen.push(...b) });
    const logger = pino({ level: 'silent' });
    const metrics = createMetrics(false);
    listeners = new SyslogListeners({ host: '127.0.0.1', tcpPort: 0, udpPort: 0, maxFrameBytes: 65536, publisher: new Publisher(bus, metrics, logger, DEFAULT_PUBLISHER_OPTIONS), logger, metrics });
    await listeners.start();
  });
  afterAll(async () => {
    await listeners.stop();
    await bus.close();
  });

  const waitFor = async (pred: () => boolean) => {
    for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
  };
  const logs = () => seen.filter((m) => m.topic === TOPICS.logs).map((m) => m.value as LogRecord);

  it('receives RFC 5424 (octet counting) and RFC 3164 (newline) lines over one TCP connection', async () => {
    const m1 = '<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - tcp-octet';
    const m2 = '<13>Feb  5 17:32:18 10.0.0.99 app: tcp-newline';
    await new Promise<void>((resolve, reject) => {
      const s = createConnection(listeners.tcpPort, '127.0.0.1', () => {
        s.write(`${Buffer.byteLength(m1)} ${m1}`);
        s.end(`${m2}\nnot syslog at all\n`);
      });
      s.on('close', () => resolve());
      s.on('error', reject);
    });
    await waitFor(() => logs().some((l) => l.body === 'tcp-newline'));
    expect(logs().find((l) => l.body === 'tcp-octet')).toMatchObject({ service: 'su', host: 'mymachine.example.com', severity: 'fatal' });
    expect(logs().find((l) => l.body === 'tcp-newline')).toMatchObject({ service: 'app', host: '10.0.0.99' });
    await waitFor(() => seen.some((m) => m.topic === TOPICS.deadLetter));
    expect((seen.find((m) => m.topic === TOPICS.deadLetter)!.value as DeadLetter).payload).toBe('not syslog at all');
  });

  it('receives RFC 5424 and RFC 3164 datagrams over UDP', async () => {
    const sock = createSocket('udp4');
    const send = (m: string) => new Promise<void>((r) => sock.send(m, listeners.udpPort, '127.0.0.1', () => r()));
    await send('<165>1 2003-10-11T22:14:15.003Z host-u evntslog - ID47 [x@1 a="b"] udp-5424');
    await send('<30>Oct 11 22:14:15 host-v sshd[7]: udp-3164');
    sock.close();
    await waitFor(() => logs().some((l) => l.body === 'udp-3164') && logs().some((l) => l.body === 'udp-5424'));
    expect(logs().find((l) => l.body === 'udp-5424')).toMatchObject({ service: 'evntslog', host: 'host-u', attributes: { 'sd.x@1.a': 'b' } });
    expect(logs().find((l) => l.body === 'udp-3164')).toMatchObject({ service: 'sshd', host: 'host-v', severity: 'info' });
  });

  it('dead-letters bad datagrams and TCP frames with the reason (invalid UTF-8, far-out timestamp) and keeps serving', async () => {
    const sock = createSocket('udp4');
    const send = (m: string | Buffer) => new Promise<void>((r) => sock.send(m, listeners.udpPort, '127.0.0.1', () => r()));
    await send(Buffer.concat([Buffer.from('<13>1 2003-10-11T22:14:15.003Z h app - - - bad '), Buffer.from([0xff, 0xfe])]));
    await send('<13>1 5000-10-11T22:14:15.003Z h app - - - far-future');
    await send('<13>1 2003-10-11T22:14:15.003Z h app - - - udp-after-bad');
    sock.close();
    await new Promise<void>((resolve, reject) => {
      const s = createConnection(listeners.tcpPort, '127.0.0.1', () => s.end(Buffer.concat([Buffer.from([0xc0, 0xaf, 0x0a]), Buffer.from('<13>Feb  5 17:32:18 h2 app: tcp-after-bad\n')])));
      s.on('close', () => resolve());
      s.on('error', reject);
    });
    await waitFor(() => logs().some((l) => l.body === 'udp-after-bad') && logs().some((l) => l.body === 'tcp-after-bad'));
    expect(logs().some((l) => l.body === 'udp-after-bad')).toBe(true);
    expect(logs().some((l) => l.body === 'tcp-after-bad')).toBe(true);
    const reasons = () => seen.filter((m) => m.topic === TOPICS.deadLetter).map((m) => (m.value as DeadLetter).reason).join('\n');
    await waitFor(() => (reasons().match(/invalid_utf8/g) ?? []).length >= 2 && /timestamp_out_of_range/.test(reasons()));
    expect((reasons().match(/invalid_utf8/g) ?? []).length).toBeGreaterThanOrEqual(2);
    expect(reasons()).toMatch(/timestamp_out_of_range/);
  });
});
