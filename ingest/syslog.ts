// Syslog listeners: RFC 5424 and RFC 3164 messages over TCP (octet counting and newline
// framing, RFC 6587) and UDP (one message per datagram). Enabled by port env vars
// (AIOPS_SYSLOG_TCP_PORT, AIOPS_SYSLOG_UDP_PORT; 0 = off). TCP gets flow control: a connection is
// paused while its records wait for the bus, and a refused publish is retried, never dropped.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { DEFAULT_TENANT, LogRecord as LogRecordSchema, TOPICS, type Attributes, type LogRecord } from '../platform/contracts/index.js';
import type { PipelineMetrics } from '../platform/telemetry/metrics.js';
import { isValidUtf8 } from './http.js';
import { MAX_EPOCH_MS, RecordError, logId, parseRfc3339, severityFromSyslog, validCalendar } from './normalize.js';
import { enforceLimits, type LimitState } from './limits.js';
import { Batch, type Publisher } from './publisher.js';
import { checked } from './records.js';
import { zonedTimeToUtc } from './syslog-time-zone.js';

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
const RFC5424 = /^<(\d{1,3})>(\d{1,2}) (\S+) (\S+) (\S+) (\S+) (\S+) ?([\s\S]*)$/;
const RFC3164 = /^<(\d{1,3})>([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) ([\s\S]*)$/;
/** rsyslog's RSYSLOG_ForwardFormat: an RFC 3164 line with an RFC 3339 (high-precision) timestamp. */
const RFC3164_RFC3339 = /^<(\d{1,3})>(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})) ([\s\S]*)$/;
const TAG = /^([A-Za-z0-9_.\/-]{1,48})(?:\[([^\]]{1,32})\])?:\s?/;

function pri(raw: string): { facility: number; severity: number } {
  const n = Number(raw);
  if (!Number.isInteger(n) || n > 191) throw new RecordError('invalid_syslog', `PRI <${raw}> is out of range (0..191)`);
  return { facility: n >> 3, severity: n & 7 };
}

/** Parses RFC 5424 structured data at the start of `s`; returns the attributes and the rest (the MSG). */
function structuredData(s: string, attrs: Attributes): string {
  if (s.startsWith('-')) return s.slice(1).replace(/^ /, '');
  let i = 0;
  while (s[i] === '[') {
    const idEnd = s.slice(i + 1).search(/[ \]]/);
    if (idEnd === -1) throw new RecordError('invalid_syslog', 'unterminated structured data element');
    const id = s.slice(i + 1, i + 1 + idEnd);
    i += 1 + idEnd;
    while (s[i] === ' ') {
      i++;
      const eq = s.indexOf('="', i);
      if (eq === -1) throw new RecordError('invalid_syslog', `structured data ${id}: expected name="value"`);
      const name = s.slice(i, eq);
      i = eq + 2;
      let value = '';
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length) {
          value += s[i + 1];
          i += 2;
        } else value += s[i++];
      }
      if (s[i] !== '"') throw new RecordError('invalid_syslog', `structured data ${id}: unterminated value of ${name}`);
      i++;
      attrs[`sd.${id}.${name}`.slice(0, 256)] = value.slice(0, 8192);
    }
    if (s[i] !== ']') throw new RecordError('invalid_syslog', `structured data ${id}: expected ]`);
    i++;
  }
  if (i === 0) throw new RecordError('invalid_syslog', 'expected structured data or - after MSGID');
  return s.slice(i).replace(/^ /, '');
}

function nil(v: string | undefined): string | undefined {
  return v === undefined || v === '-' ? undefined : v;
}

export interface SyslogParseOptions {
  /** IANA zone RFC 3164 timestamps (which carry none) are read in. Default UTC. */
  timeZone?: string;
}

/** HOSTNAME (optional in practice) and TAG of an RFC 3164 line after its timestamp; returns the MSG. */
function hostAndTag(rest: string, attributes: Attributes): { host: string | undefined; service: string | undefined; body: string } {
  let host: string | undefined;
  let service: string | undefined;
  // A first word that is itself a TAG ("su:", "sshd[42]:") means no host.
  const sp = rest.indexOf(' ');
  const first = sp === -1 ? rest : rest.slice(0, sp);
  if (!/^[A-Za-z0-9_.\/-]{1,48}(\[[^\]]{1,32}\])?:$/.test(first)) {
    host = first;
    rest = sp === -1 ? '' : rest.slice(sp + 1);
  }
  const tag = TAG.exec(rest);
  if (tag) {
    service = tag[1];
    if (tag[2]) attributes.procid = tag[2];
    rest = rest.slice(tag[0].length);
  }
  return { host, service, body: rest };
}

/** One syslog message (RFC 5424, else RFC 3164 or rsyslog's forward format) as a LogRecord. */
export function parseSyslog(text: string, now: number, tenant = DEFAULT_TENANT, options: SyslogParseOptions = {}): LogRecord {
  const line = text.replace(/[\r\n]+$/, '');
  const attributes: Attributes = {};
  let ts: number;
  let host: string | undefined;
  let service: string | undefined;
  let body: string;
  let sev: number;
  const m5 = RFC5424.exec(line);
  if (m5 && m5[2] === '1') {
    const p = pri(m5[1]!);
    sev = p.severity;
    attributes.facility = String(p.facility);
    const t = nil(m5[3]);
    ts = t === undefined ? now : parseRfc3339(t);
    if (Number.isNaN(ts)) throw new RecordError('invalid_timestamp', `TIMESTAMP ${JSON.stringify(t)} is not RFC 3339`);
    host = nil(m5[4]);
    service = nil(m5[5]);
    const procid = nil(m5[6]);
    const msgid = nil(m5[7]);
    if (procid) attributes.procid = procid;
    if (msgid) attributes.msgid = msgid;
    body = structuredData(m5[8] ?? '-', attributes).replace(/^\uFEFF/, '');
    attributes['syslog.format'] = 'rfc5424';
  } else if (RFC3164_RFC3339.test(line)) {
    const m = RFC3164_RFC3339.exec(line)!;
    const p = pri(m[1]!);
    sev = p.severity;
    attributes.facility = String(p.facility);
    ts = parseRfc3339(m[2]!);
    if (Number.isNaN(ts)) throw new RecordError('invalid_timestamp', `TIMESTAMP ${JSON.stringify(m[2])} is not RFC 3339`);
    ({ host, service, body } = hostAndTag(m[3]!, attributes));
    attributes['syslog.format'] = 'rfc3164-rfc3339';
  } else {
    const m3 = RFC3164.exec(line);
    if (!m3) {
      if (!/^<\d{1,3}>/.test(line)) throw new RecordError('invalid_syslog', 'not a syslog message: expected <PRI> followed by an RFC 5424 or RFC 3164 header');
      throw new RecordError('invalid_syslog', 'the header is neither RFC 5424 (<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD) nor RFC 3164 (<PRI>Mmm dd hh:mm:ss HOST TAG: MSG)');
    }
    const p = pri(m3[1]!);
    sev = p.severity;
    attributes.facility = String(p.facility);
    const month = MONTHS[m3[2]!];
    if (month === undefined) throw new RecordError('invalid_timestamp', `month ${m3[2]} is not a month name`);
    // RFC 3164 carries no year or zone: the sender's zone is configured (default UTC); take the
    // current year, or last year when that would be in the future.
    const zone = options.timeZone ?? 'UTC';
    const year = new Date(now).getUTCFullYear();
    // Checked against a leap year: the message's own year is unknown, and Feb 29 may be last year's.
    if (!validCalendar(2000, month + 1, Number(m3[3]), Number(m3[4]), Number(m3[5]), Number(m3[6]))) {
      throw new RecordError('invalid_timestamp', `TIMESTAMP ${m3[2]} ${m3[3]} ${m3[4]}:${m3[5]}:${m3[6]} is not a date and time`);
    }
    const at = (y: number): number => zonedTimeToUtc(zone, y, month, Number(m3[3]), Number(m3[4]), Number(m3[5]), Number(m3[6]));
    ts = at(year);
    if (ts > now + 86_400_000) ts = at(year - 1);
    ({ host, service, body } = hostAndTag(m3[7]!, attributes));
    attributes['syslog.format'] = 'rfc3164';
  }
  if (!Number.isFinite(ts) || ts < 0 || ts > MAX_EPOCH_MS) throw new RecordError('timestamp_out_of_range', 'TIMESTAMP is out of range');
  const svc = (service ?? 'syslog').slice(0, 256);
  const hostName = host?.slice(0, 256);
  if (body.length > 65536) body = body.slice(0, 65536);
  const severity = severityFromSyslog(sev);
  const id = logId(tenant, svc, ts, severity, body, hostName, undefined, attributes);
  const rec: LogRecord = { id, tenant, ts, service: svc, severity, body, attributes };
  if (hostName) rec.host = hostName;
  return checked(LogRecordSchema, rec);
}

/** RFC 6587 framing: a frame starting with a digit is octet-counted (`LEN SP MSG`), else it ends at LF. */
export class SyslogFramer {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly maxFrame: number) {}

  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: Buffer[] = [];
    for (;;) {
      // Skip stray separators between frames.
      let start = 0;
      while (start < this.buf.length && (this.buf[start] === 0x0a || this.buf[start] === 0x0d || this.buf[start] === 0x00)) start++;
      if (start > 0) this.buf = this.buf.subarray(start);
      if (this.buf.length === 0) break;
      const c = this.buf[0]!;
      if (c >= 0x30 && c <= 0x39) {
        const sp = this.buf.indexOf(0x20);
        if (sp === -1) {
          if (this.buf.length > 12) throw new Error('octet-counted frame without a length prefix');
          break;
        }
        const len = Number(this.buf.subarray(0, sp).toString('latin1'));
        if (!Number.isInteger(len) || len <= 0 || len > this.maxFrame) throw new Error(`octet-counted frame length ${this.buf.subarray(0, sp).toString('latin1').slice(0, 12)} is not between 1 and ${this.maxFrame}`);
        if (this.buf.length < sp + 1 + len) break;
        out.push(this.buf.subarray(sp + 1, sp + 1 + len));
        this.buf = this.buf.subarray(sp + 1 + len);
      } else {
        const lf = this.buf.indexOf(0x0a);
        if (lf === -1) {
          if (this.buf.length > this.maxFrame) {
            out.push(this.buf.subarray(0, this.maxFrame));
            this.buf = Buffer.alloc(0);
          }
          break;
        }
        out.push(this.buf.subarray(0, lf));
        this.buf = this.buf.subarray(lf + 1);
      }
    }
    return out;
  }

  /** Whatever is left when the connection ends (a last line without LF). */
  rest(): Buffer | undefined {
    const r = this.buf;
    this.buf = Buffer.alloc(0);
    // A truncated octet-counted frame is handed back too: it fails parsing and is dead-lettered.
    return r.length > 0 ? r : undefined;
  }
}

export interface SyslogOptions {
  host: string;
  /** Port to listen on; undefined = off, 0 = any free port (tests). */
  tcpPort: number | undefined;
  udpPort: number | undefined;
  maxFrameBytes: number;
  publisher: Publisher;
  logger: Logger;
  metrics: PipelineMetrics;
  /** The HTTP receivers' limits (timestamps too new, tenant rates); absent = none. */
  limits?: LimitState;
  /** IANA zone of RFC 3164 senders (AIOPS_SYSLOG_TIMEZONE); default UTC. */
  timeZone?: string;
}

/**
 * Refused lines are logged at debug, at most one line a second per listener (a sender in a format
 * we refuse refuses every line); the count of the lines not logged since rides on the next one.
 */
class RefusalLog {
  private last = 0;
  private suppressed = 0;

  constructor(private readonly logger: Logger) {}

  note(now: number, reason: string, message: string, payload: string): void {
    if (now - this.last < 1000) {
      this.suppressed++;
      return;
    }
    this.logger.debug({ reason, line: payload.slice(0, 200), notLoggedSince: this.suppressed }, `syslog line refused (dead-lettered): ${message}`);
    this.last = now;
    this.suppressed = 0;
  }
}

function addMessage(batch: Batch, frame: Buffer, now: number, index: number, parse: SyslogParseOptions, refusals: RefusalLog): void {
  try {
    if (!isValidUtf8(frame)) throw new RecordError('invalid_utf8', 'the message is not valid UTF-8');
    batch.logs.push(parseSyslog(frame.toString('utf8'), now, DEFAULT_TENANT, parse));
  } catch (err) {
    if (!(err instanceof RecordError)) throw err;
    const payload = frame.toString('utf8').slice(0, 65536);
    refusals.note(now, err.reason, err.message, payload);
    batch.reject({ line: index, code: 'VALIDATION_FAILED', reason: err.reason, message: err.message, topic: TOPICS.logs, payload, tenant: DEFAULT_TENANT });
  }
}

export class SyslogListeners {
  private tcp: Server | undefined;
  private udp: UdpSocket | undefined;
  private readonly sockets = new Set<Socket>();
  private stopping = false;
  tcpPort = 0;
  udpPort = 0;

  private readonly parse: SyslogParseOptions;
  private readonly refusals: RefusalLog;

  constructor(private readonly o: SyslogOptions) {
    this.parse = { timeZone: o.timeZone ?? 'UTC' };
    this.refusals = new RefusalLog(o.logger);
  }

  async start(): Promise<void> {
    if (this.o.tcpPort !== undefined) {
      this.tcp = createServer((s) => this.connection(s));
      await new Promise<void>((resolve, reject) => {
        this.tcp!.once('error', reject);
        this.tcp!.listen(this.o.tcpPort, this.o.host, () => resolve());
      });
      const a = this.tcp.address();
      this.tcpPort = typeof a === 'object' && a ? a.port : this.o.tcpPort;
    }
    if (this.o.udpPort !== undefined) {
      this.udp = createSocket(this.o.host.includes(':') ? 'udp6' : 'udp4');
      this.udp.on('message', (msg) => void this.datagram(msg));
      this.udp.on('error', (err) => this.o.logger.warn({ err: err.message }, 'syslog UDP socket error'));
      await new Promise<void>((resolve, reject) => {
        this.udp!.once('error', reject);
        this.udp!.bind(this.o.udpPort, this.o.host, () => resolve());
      });
      this.udpPort = this.udp.address().port;
    }
    if (this.tcp || this.udp) this.o.logger.info({ tcp: this.tcpPort || undefined, udp: this.udpPort || undefined }, 'syslog listening');
  }

  /** Publishes with retries: TCP keeps its socket paused meanwhile, so the sender is slowed, not dropped. */
  private async publish(batch: Batch, component: string, maxAttempts: number): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        // Inside the retry: a tenant over its rate is retried like a busy bus (TCP stays paused).
        if (this.o.limits) enforceLimits(batch, this.o.limits, Date.now(), 0);
        await this.o.publisher.publish(batch, component);
        return true;
      } catch (err) {
        if (this.stopping || attempt >= maxAttempts) {
          this.o.logger.warn({ component, err: (err as Error).message, records: batch.accepted }, 'syslog records not acknowledged by the bus');
          return false;
        }
        await new Promise((r) => setTimeout(r, Math.min(2_000, 50 * 2 ** attempt)));
      }
    }
  }

  private connection(socket: Socket): void {
    this.sockets.add(socket);
    const framer = new SyslogFramer(this.o.maxFrameBytes);
    let pending = new Batch();
    let index = 0;
    let flushing: Promise<void> = Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const flush = (): Promise<void> => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      const batch = pending;
      pending = new Batch();
      if (batch.accepted + batch.rejected.length === 0) return flushing;
      socket.pause();
      flushing = flushing.then(async () => {
        const ok = await this.publish(batch, 'syslog_tcp', Number.POSITIVE_INFINITY);
        if (!ok) {
          this.o.metrics.dropped.inc({ stage: 'ingest', component: 'syslog_tcp', reason: 'shutdown' }, batch.accepted);
        }
        if (!socket.destroyed) socket.resume();
      });
      return flushing;
    };
    socket.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = framer.push(chunk);
      } catch (err) {
        this.o.logger.warn({ err: (err as Error).message }, 'syslog TCP framing error; closing the connection');
        void flush().finally(() => socket.destroy());
        return;
      }
      const now = Date.now();
      for (const f of frames) addMessage(pending, f, now, ++index, this.parse, this.refusals);
      if (pending.accepted + pending.rejected.length >= 1000) void flush();
      else if (!timer && pending.accepted + pending.rejected.length > 0) timer = setTimeout(() => void flush(), 20);
    });
    socket.on('end', () => {
      const r = framer.rest();
      if (r) addMessage(pending, r, Date.now(), ++index, this.parse, this.refusals);
      void flush().finally(() => socket.end());
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.sockets.delete(socket);
      void flush();
    });
  }

  private async datagram(msg: Buffer): Promise<void> {
    const batch = new Batch();
    addMessage(batch, msg, Date.now(), 1, this.parse, this.refusals);
    const ok = await this.publish(batch, 'syslog_udp', 5);
    // UDP has no way to push back; after the retries the loss is counted, never silent.
    if (!ok) this.o.metrics.dropped.inc({ stage: 'ingest', component: 'syslog_udp', reason: 'bus_unavailable' }, batch.accepted);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const closing: Array<Promise<void>> = [];
    if (this.tcp) {
      const server = this.tcp;
      closing.push(new Promise((r) => server.close(() => r())));
      for (const s of this.sockets) s.end();
      setTimeout(() => {
        for (const s of this.sockets) s.destroy();
      }, 2_000).unref();
    }
    if (this.udp) {
      const udp = this.udp;
      closing.push(new Promise((r) => udp.close(() => r())));
    }
    await Promise.all(closing);
  }
}
