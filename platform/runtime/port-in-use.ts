// Turns Node's EADDRINUSE into PORT_IN_USE naming the variable that moves the port, so a clash
// at start reads `error PORT_IN_USE: ...` instead of a stack trace.
import type { AiopsConfig } from '../config/config.js';
import { AiopsError } from '../errors/aiops-error.js';

interface ListenError {
  code: 'EADDRINUSE';
  port?: number;
  address?: string;
}

export function isAddressInUse(err: unknown): err is ListenError {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'EADDRINUSE';
}

export function portInUseError(host: string, port: number, variable: string, cause?: unknown): AiopsError {
  return new AiopsError(
    'PORT_IN_USE',
    `${host}:${port} is already in use (another aiops process?); stop that process or set ${variable} to a free port${variable === 'AIOPS_OPS_PORT' ? ' (0 disables the ops server)' : ''}.`,
    { host, port, variable },
    { cause },
  );
}

/** The variable that sets `port` in this configuration; several may share a port, the first wins. */
export function portVariable(config: AiopsConfig, port: number | undefined): string {
  const candidates: Array<[string, number]> = [
    ['AIOPS_INGEST_PORT', config.ingest.port],
    ['AIOPS_API_PORT', config.api.port],
    ['AIOPS_OPS_PORT', config.opsPort],
    ['AIOPS_SYSLOG_TCP_PORT', config.ingest.syslogTcpPort],
    ['AIOPS_SYSLOG_UDP_PORT', config.ingest.syslogUdpPort],
  ];
  return candidates.find(([, p]) => p > 0 && p === port)?.[0] ?? 'AIOPS_INGEST_PORT, AIOPS_API_PORT or AIOPS_OPS_PORT';
}

/** An error thrown while starting stages, with a port clash made actionable; others pass through. */
export function explainStartError(err: unknown, config: AiopsConfig): unknown {
  if (!isAddressInUse(err)) return err;
  return portInUseError(err.address ?? config.api.host, err.port ?? 0, portVariable(config, err.port), err);
}
