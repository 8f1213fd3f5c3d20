// End to end through the correlator: an Alertmanager `tenant` label sent with one tenant's key
// does not move the alert into another tenant's open incident.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STAGES } from '../../cli/stage-registry.js';
import { buildIngestApp } from '../../ingest/app.js';
import { loadConfig } from '../../platform/config/config.js';
import { runStages } from '../../platform/runtime/run-stages.js';
import { createLogger } from '../../platform/telemetry/logger.js';
import { KEYS, bearer, writeKeysFile } from '../support/auth-keys.js';

const webhook = (alertname: string, labels: Record<string, string> = {}) => JSON.stringify({
  version: '4', status: 'firing', receiver: 'aiops', groupLabels: {}, commonLabels: {}, commonAnnotations: {},
  alerts: [{ status: 'firing', labels: { alertname, service: 'checkout', ...labels }, annotations: {}, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', fingerprint: alertname }],
});

describe('Alertmanager tenant label and open incidents', () => {
  it('keeps a labelled alert from a shop key out of billing\'s open incident; a key opening billing may route it there', async () => {
    const config = loadConfig({}, {
      AIOPS_DATA_DIR: mkdtempSync(join(tmpdir(), 'aiops-auth-')), AIOPS_BUS: 'memory', AIOPS_STORE: 'duckdb',
      AIOPS_KEYS_FILE: writeKeysFile(), AIOPS_CORRELATOR_MIN_ANOMALIES: '2',
    });
    const logger = createLogger('silent', { role: 'test' });
    const pipeline = await runStages([STAGES.sink, STAGES.correlate], config, { logger, opsServer: false });
    const ingest = await buildIngestApp({ config, logger, metrics: pipeline.metrics, bus: pipeline.bus });
    try {
      const send = async (body: string, headers: Record<string, string>) => {
        const res = await ingest.inject({ method: 'POST', url: '/v1/alertmanager', headers: { 'content-type': 'application/json', ...headers }, payload: body });
        expect(res.statusCode, res.body).toBe(200);
      };
      const billing = { ...bearer(KEYS.shopBillingIngest), 'x-scope-orgid': 'billing' };
      await send(webhook('BillingErrors'), billing);
      await send(webhook('BillingLatency'), billing);
      await pipeline.bus.idle();
      const openIn = async (tenant: string) => {
        await pipeline.bus.idle();
        await new Promise((r) => setTimeout(r, 300));
        await pipeline.bus.idle();
        return (await pipeline.store!.queryIncidents({ tenant, status: 'open', limit: 10 })).items;
      };
      // The sink writes after the bus hands over: poll for what must appear.
      const until = async <T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> => {
        for (let i = 0; i < 50; i++) {
          const v = await read();
          if (ok(v)) return v;
          await new Promise((r) => setTimeout(r, 100));
        }
        return read();
      };
      const before = await until(() => openIn('billing'), (v) => v.length === 1 && v[0]!.anomalyCount >= 2);
      expect(before, 'billing has an open incident').toHaveLength(1);
      const billingAnomalies = async () => (await pipeline.store!.queryAnomalies({ tenant: 'billing', limit: 100 })).items.map((a) => a.subject);

      // The shop-only key names billing in the label: ignored, the alert stays in shop.
      await send(webhook('Intruder', { tenant: 'billing' }), bearer(KEYS.shopIngest));
      const after = await openIn('billing');
      expect(after[0]!.anomalyCount).toBe(before[0]!.anomalyCount);
      expect((await billingAnomalies()).some((s) => s.startsWith('Intruder'))).toBe(false);
      const shop = await until(async () => (await pipeline.store!.queryAnomalies({ tenant: 'shop', limit: 100 })).items, (v) => v.length > 0);
      expect(shop.map((a) => a.subject.split('{')[0])).toEqual(['Intruder']);

      // Control: a key that opens billing routes by the label, so the check above could fail.
      await send(webhook('Routed', { tenant: 'billing' }), { ...bearer(KEYS.shopBillingIngest), 'x-scope-orgid': 'shop' });
      const routed = await until(() => openIn('billing'), (v) => v[0]!.anomalyCount > before[0]!.anomalyCount);
      expect((await billingAnomalies()).some((s) => s.startsWith('Routed'))).toBe(true);
      expect(routed[0]!.anomalyCount).toBe(before[0]!.anomalyCount + 1);
    } finally {
      await ingest.close();
      await pipeline.stop();
    }
  });
});
