import { createServer, type Server } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../platform/config/config.js';
import { AiopsError } from '../../platform/errors/aiops-error.js';
import { startOpsServer } from '../../platform/runtime/ops-server.js';
import { explainStartError } from '../../platform/runtime/port-in-use.js';

let busy: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (busy ? busy.close(() => resolve()) : resolve()));
  busy = undefined;
});

async function occupyPort(): Promise<number> {
  busy = createServer();
  await new Promise<void>((resolve) => busy!.listen(0, '127.0.0.1', resolve));
  const addr = busy.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('a port clash at start', () => {
  it('is PORT_IN_USE naming AIOPS_OPS_PORT when the ops port is taken', async () => {
    const port = await occupyPort();
    const err = await rejection(startOpsServer('127.0.0.1', port, new Registry(), () => true));
    expect(err).toBeInstanceOf(AiopsError);
    expect((err as AiopsError).code).toBe('PORT_IN_USE');
    expect((err as AiopsError).message).toContain(`127.0.0.1:${port}`);
    expect((err as AiopsError).message).toContain('AIOPS_OPS_PORT');
  });

  it('names the variable that set the taken port of a stage server', async () => {
    const port = await occupyPort();
    const listenErr = await rejection(
      new Promise((_resolve, reject) => {
        const s = createServer();
        s.once('error', reject);
        s.listen(port, '127.0.0.1');
      }),
    );
    for (const [variable, env] of [
      ['AIOPS_API_PORT', { AIOPS_API_PORT: String(port) }],
      ['AIOPS_INGEST_PORT', { AIOPS_INGEST_PORT: String(port) }],
    ] as const) {
      const explained = explainStartError(listenErr, loadConfig(env));
      expect(explained).toBeInstanceOf(AiopsError);
      expect((explained as AiopsError).code).toBe('PORT_IN_USE');
      expect((explained as AiopsError).message).toContain(variable);
      expect((explained as AiopsError).message).not.toContain('0 disables');
    }
  });

  it('passes other errors through unchanged', () => {
    const other = new Error('boom');
    expect(explainStartError(other, loadConfig({}))).toBe(other);
  });
});
