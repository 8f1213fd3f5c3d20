// The demo's promise, checked on seeds the bundled demo does not use: every fault kind is
// folded into one incident whose first root cause is the injected service, with the deploy
// named when one preceded the fault, and the user-facing services listed as impact.
import { describe, expect, it } from 'vitest';
import { STAGES } from '../../cli/stage-registry.js';
import { DEFAULT_SPEC, FAULT_KINDS } from '../../demo/scenario.js';
import { runScenario } from '../../demo/run-scenario.js';
import { SHOP_TOPOLOGY } from '../../demo/shop-topology.js';
import { createLogger } from '../../platform/telemetry/logger.js';

const logger = createLogger('silent', { role: 'test' });
const callersOf = (service: string) => SHOP_TOPOLOGY.edges.filter((e) => e.to === service).map((e) => e.from);

describe('demo scenarios on unseen seeds', () => {
  for (const fault of FAULT_KINDS) {
    it(`ranks the injected service first for ${fault}`, async () => {
      const r = await runScenario({ ...DEFAULT_SPEC, fault, seed: 11 }, [STAGES.sink, STAGES.correlate, STAGES.detect], logger);
      expect(r.incident, 'an incident in the fault window').not.toBeNull();
      const incident = r.incident!;
      expect(r.ranked[0]).toBe(r.injected);
      // Counted in episodes (one per series per stretch out of band), no longer in points: every
      // affected service brings at least one.
      expect(incident.anomalyCount).toBeGreaterThanOrEqual(incident.services.length);
      expect(incident.services).toContain(r.injected);
      for (const caller of callersOf(r.injected)) expect(incident.services).toContain(caller);
      expect(incident.userFacing.length).toBeGreaterThan(0);
      expect(incident.rootCauses[0]!.path.at(-1)).toSatisfy((s: string) => incident.userFacing.includes(s));
      if (fault === 'errors-after-deploy') {
        expect(incident.rootCauses[0]!.changes.map((c) => c.summary).join(' ')).toContain(`deploy ${r.injected}`);
      }
      expect(r.otherIncidents).toBe(0);
    });
  }
});
