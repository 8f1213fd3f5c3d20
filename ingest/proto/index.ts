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

let otlpRoot: protobuf.Root | undefined;
let promRoot: protobuf.Root | undefined;
let lokiRoot: protobuf.Root | undefined;

export function otlpTypes() {
  otlpRoot ??= load('otlp', ['otlp.proto', 'resource.proto', 'logs.proto', 'metrics.proto', 'status.proto']);
  const r = otlpRoot;
  return {
    ExportLogsServiceRequest: r.lookupType('opentelemetry.proto.logs.v1.ExportLogsServiceRequest'),
    ExportLogsServiceResponse: r.lookupType('opentelemetry.proto.logs.v1.ExportLogsServiceResponse'),
    ExportMetricsServiceRequest: r.lookupType('opentelemetry.proto.metrics.v1.ExportMetricsServiceRequest'),
    ExportMetricsServiceResponse: r.lookupType('opentelemetry.proto.metrics.v1.ExportMetricsServiceResponse'),
    Status: r.lookupType('google.rpc.Status'),
  };
}

export function prometheusTypes() {
  promRoot ??= load('prometheus', ['remote.proto']);
  return { WriteRequest: promRoot.lookupType('prometheus.WriteRequest') };
}

export function lokiTypes() {
  lokiRoot ??= load('loki', ['push.proto']);
  return { PushRequest: lokiRoot.lookupType('logproto.PushRequest') };
}
