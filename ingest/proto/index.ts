// protobufjs roots for the vendored wire definitions (see each .proto file's header for its
// upstream source and licence). Loaded once, lazily; decoding goes through protobufjs only.
import { isUtf8 } from 'node:buffer';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

function protoDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // From source (tsx) the .proto files sit beside this file; from dist/ they stay in the source tree.
  for (const dir of [here, resolve(here, '../../../ingest/proto')]) {
    if (existsSync(join(dir, 'otlp', 'otlp.proto'))) return dir;
  }
  return here;
}

function load(sub: string, files: string[]): protobuf.Root {
  const dir = join(protoDir(), sub);
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : join(dir, target.replace(/^.*[\\/]/, '')));
  root.loadSync(files.map((f) => join(dir, f)), { keepCase: false });
  root.resolveAll();
  buildConstructors(root);
  return root;
}

type OneOfSetter = (this: Record<string, unknown>, name: string) => void;

/**
 * protobufjs's setter for a oneof's virtual property (called by the generated decoder for every
 * member it reads: three times per OTLP log record) deletes each other member by name, a slow
 * keyed delete even when the member was never set (7% of bench:ingest). This one has the same
 * effect, deleting only members that are own properties.
 */
function ownOneOfSetter(fieldNames: string[]): OneOfSetter {
  return function set(this: Record<string, unknown>, name: string): void {
    for (let i = 0; i < fieldNames.length; i++) {
      const f = fieldNames[i]!;
      if (f !== name && Object.hasOwn(this, f)) delete this[f];
    }
  };
}

/** Builds every message constructor of the root now, with ownOneOfSetter; other roots keep protobufjs's own. */
function buildConstructors(root: protobuf.Root): void {
  const util = protobuf.util as unknown as { oneOfSetter: (names: string[]) => OneOfSetter };
  const original = util.oneOfSetter;
  util.oneOfSetter = ownOneOfSetter;
  try {
    const visit = (ns: protobuf.NamespaceBase): void => {
      for (const nested of ns.nestedArray) {
        if (nested instanceof protobuf.Type) void nested.ctor;
        if (nested instanceof protobuf.Namespace) visit(nested);
      }
    };
    visit(root);
  } finally {
    util.oneOfSetter = original;
  }
}

// Looked up once: receivers call these on every request.
let otlp: ReturnType<typeof loadOtlp> | undefined;
let prometheus: { WriteRequest: protobuf.Type } | undefined;
let loki: { PushRequest: protobuf.Type } | undefined;

function loadOtlp() {
  const r = load('otlp', ['otlp.proto', 'resource.proto', 'logs.proto', 'metrics.proto', 'trace.proto', 'status.proto']);
  return {
    ExportLogsServiceRequest: r.lookupType('opentelemetry.proto.logs.v1.ExportLogsServiceRequest'),
    ExportLogsServiceResponse: r.lookupType('opentelemetry.proto.logs.v1.ExportLogsServiceResponse'),
    ExportMetricsServiceRequest: r.lookupType('opentelemetry.proto.metrics.v1.ExportMetricsServiceRequest'),
    ExportMetricsServiceResponse: r.lookupType('opentelemetry.proto.metrics.v1.ExportMetricsServiceResponse'),
    ExportTraceServiceRequest: r.lookupType('opentelemetry.proto.trace.v1.ExportTraceServiceRequest'),
    ExportTraceServiceResponse: r.lookupType('opentelemetry.proto.trace.v1.ExportTraceServiceResponse'),
    Status: r.lookupType('google.rpc.Status'),
  };
}

export function otlpTypes() {
  otlp ??= loadOtlp();
  return otlp;
}

export function prometheusTypes() {
  prometheus ??= { WriteRequest: load('prometheus', ['remote.proto']).lookupType('prometheus.WriteRequest') };
  return prometheus;
}

export function lokiTypes() {
  loki ??= { PushRequest: load('loki', ['push.proto']).lookupType('logproto.PushRequest') };
  return loki;
}

/**
 * protobufjs's BufferReader with the strict read of strings over 12 bytes done in native code:
 * one flat string per field (protobufjs builds strings under 64 bytes 8 bytes at a time, a rope
 * the GC then copies for every record that waits on the bus). Invalid UTF-8 still fails the decode: decoding turns
 * every invalid sequence into U+FFFD, so only a string holding one is checked byte by byte.
 */
const LongCtor = protobuf.util.Long as unknown as (new (low: number, high: number, unsigned: boolean) => protobuf.Long) | null;

class NativeStringReader extends protobuf.BufferReader {
  /** fixed64 (OTLP timestamps) straight into protobufjs's Long, without its intermediate LongBits. */
  override fixed64(): protobuf.Long {
    const p = this.pos;
    if (LongCtor === null || p + 8 > this.len) return super.fixed64();
    const b = this.buf;
    const low = b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
    const high = b[p + 4]! | (b[p + 5]! << 8) | (b[p + 6]! << 16) | (b[p + 7]! << 24);
    this.pos = p + 8;
    return new LongCtor(low, high, true);
  }

  override stringVerify(): string {
    const at = this.pos;
    const len = this.size();
    // Up to 12 characters V8 concatenates into flat strings anyway, and protobufjs's loop beats a native call.
    if (len <= 12) {
      this.pos = at;
      return super.stringVerify();
    }
    const start = this.pos;
    const end = start + len;
    if (end > this.len) throw new RangeError(`index out of range: ${start} + ${len} > ${this.len}`);
    this.pos = end;
    if (len === 0) return '';
    const buf = this.buf as Buffer & { utf8Slice(start: number, end: number): string };
    // Buffer's own decoder, called as protobufjs's BufferReader.string calls it (no toString wrapper).
    const s = buf.utf8Slice(start, end);
    if (s.indexOf('\uFFFD') !== -1 && !isUtf8(buf.subarray(start, end))) throw new Error('a string field is not valid UTF-8');
    return s;
  }
}

/** Decodes a message with protobufjs's generated decoder, strings read by NativeStringReader. */
export function decodeMessage(type: protobuf.Type, body: Buffer): protobuf.Message {
  return type.decode(new NativeStringReader(body));
}
