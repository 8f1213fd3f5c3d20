/**
 * Recordings of the live bench: every remote_write body Prometheus sent, one NDJSON line each
 * (`{"at": <receive ms>, "body": <base64 of the snappy body>}`), and beside it `<name>.meta.json`
 * with the schedule (healthy phase, fault windows) the report scores. A recording may be gzip or
 * brotli compressed (`.ndjson.gz`, `.ndjson.br`): the fixture under test/fixtures/ is.
 */
import { readFileSync } from 'node:fs';
import { constants as zlibConstants, brotliCompressSync, brotliDecompressSync, gunzipSync } from 'node:zlib';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import snappy from 'snappyjs';
import { validate } from '../../platform/contracts/validate.js';
import { prometheusTypes } from '../../ingest/proto/index.js';
import { unsnappy } from '../../ingest/wire.js';

const Line = Type.Object({ at: Type.Number(), body: Type.String() });
const Window = Type.Object({ name: Type.String(), service: Type.String(), startMs: Type.Number(), endMs: Type.Number() });
export const Schedule = Type.Object({
  healthyStartMs: Type.Number(),
  healthyEndMs: Type.Number(),
  faults: Type.Array(Window),
  series: Type.Optional(Type.Number()),
});
export type Schedule = Static<typeof Schedule>;

export interface RecordedBody {
  /** Receive time at the recorder (wall clock of the live run). */
  at: number;
  /** The snappy-compressed WriteRequest exactly as Prometheus sent it. */
  body: Buffer;
}

const BODY_LIMIT = 64 * 1024 * 1024;

function checked<T extends TSchema>(schema: T, value: unknown, where: string): Static<T> {
  const r = validate(schema, value);
  if (!r.ok) throw new Error(`${where}: not a live-bench recording (${r.error})`);
  return r.value;
}

function readText(file: string): string {
  const raw = readFileSync(file);
  if (file.endsWith('.br')) return brotliDecompressSync(raw).toString('utf8');
  if (file.endsWith('.gz')) return gunzipSync(raw).toString('utf8');
  return raw.toString('utf8');
}

export function readRecording(file: string): RecordedBody[] {
  const out: RecordedBody[] = [];
  readText(file).split('\n').forEach((text, i) => {
    if (!text.trim()) return;
    const line = checked(Line, JSON.parse(text) as unknown, `${file}:${i + 1}`);
    out.push({ at: line.at, body: Buffer.from(line.body, 'base64') });
  });
  return out;
}

/** `live-x.ndjson[.gz|.br]` -> `live-x.meta.json`. */
export const schedulePath = (recording: string): string => recording.replace(/\.ndjson(\.gz|\.br)?$/, '.meta.json');

export function readSchedule(recording: string): Schedule {
  const file = schedulePath(recording);
  return checked(Schedule, JSON.parse(readFileSync(file, 'utf8')) as unknown, file);
}

export interface Label { name: string; value: string }
export interface Sample { value: number; timestamp: number | { toString(): string } }
export interface TimeSeries { labels: Label[]; samples: Sample[] }
export interface WriteRequest { timeseries: TimeSeries[]; metadata?: unknown[] }

export function decodeBody(body: Buffer): WriteRequest {
  const type = prometheusTypes().WriteRequest;
  const msg = type.toObject(type.decode(unsnappy(body, BODY_LIMIT)), { longs: Number, defaults: true }) as WriteRequest;
  return msg;
}

export function encodeBody(req: WriteRequest): Buffer {
  const type = prometheusTypes().WriteRequest;
  const bytes = type.encode(type.fromObject(req)).finish();
  return Buffer.from(snappy.compress(bytes));
}

export const sampleMs = (s: Sample): number => (typeof s.timestamp === 'number' ? s.timestamp : Number(s.timestamp.toString()));
const labelOf = (ts: TimeSeries, name: string): string | undefined => ts.labels.find((l) => l.name === name)?.value;
export const jobOf = (ts: TimeSeries): string => labelOf(ts, 'job') ?? '';
const seriesId = (ts: TimeSeries): string => ts.labels.map((l) => `${l.name}=${l.value}`).sort().join(',');

/** Distinct series with at least one finite sample in [fromMs, toMs): the denominator of episodes per series-hour. */
export function countSeries(bodies: readonly RecordedBody[], fromMs: number, toMs: number): number {
  const seen = new Set<string>();
  for (const b of bodies) {
    for (const ts of decodeBody(b.body).timeseries) {
      if (ts.samples.some((s) => Number.isFinite(s.value) && sampleMs(s) >= fromMs && sampleMs(s) < toMs)) seen.add(seriesId(ts));
    }
  }
  return seen.size;
}

/** Jobs of deploy/local/prometheus.yml.tmpl a test fixture keeps: the app's and node-exporter's (not Prometheus' or the pipeline's own). */
export const FIXTURE_JOBS: readonly string[] = ['shop', 'node'];

/**
 * A recording cut down to the series of `jobs` (metadata dropped; bodies, their order and every
 * kept sample unchanged), as brotli-compressed NDJSON: the form committed under test/fixtures/.
 */
export function reduceRecording(bodies: readonly RecordedBody[], jobs: readonly string[] = FIXTURE_JOBS): Buffer {
  const keep = new Set(jobs);
  const lines: string[] = [];
  for (const b of bodies) {
    const req = decodeBody(b.body);
    const timeseries = req.timeseries.filter((ts) => keep.has(jobOf(ts)));
    if (timeseries.length > 0) lines.push(JSON.stringify({ at: b.at, body: encodeBody({ timeseries }).toString('base64') }));
  }
  return brotliCompressSync(Buffer.from(lines.join('\n') + '\n'), { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11, [zlibConstants.BROTLI_PARAM_LGWIN]: 24 } });
}
