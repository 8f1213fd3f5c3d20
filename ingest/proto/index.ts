// protobufjs roots for the vendored wire definitions (see each .proto file's header for its
// upstream source and licence). Loaded once, lazily; decoding goes through protobufjs only.
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
  return root;
}

// Looked up once: receivers call these on every request.
let otlp: ReturnType<typeof loadOtlp> | undefined;
let prometheus: { WriteRequest: protobuf.Type } | undefined;
let loki: { PushRequest: protobuf.Type } | undefined;

function loadOtlp() {
  const r = load('otlp', ['otlp.proto', 'resource.proto', 'logs.proto', 'metrics.proto', 'status.proto']);
  return {
    ExportLogsServiceRequest: r.lookupType('opentelemetry.proto.logs.v1.ExportLogsServiceRequest'),
    ExportLogsServiceResponse: r.lookupType('opentelemetry.proto.logs.v1.ExportLogsServiceResponse'),
    ExportMetricsServiceRequest: r.lookupType('opentelemetry.proto.metrics.v1.ExportMetricsServiceRequest'),
    ExportMetricsServiceResponse: r.lookupType('opentelemetry.proto.metrics.v1.ExportMetricsServiceResponse'),
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
