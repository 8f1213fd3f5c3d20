import { describe, expect, it } from 'vitest';
import { planStart } from '../../cli/commands/stages.js';
import { ALL_STAGES, STAGES } from '../../cli/stage-registry.js';
import { AiopsError } from '../../platform/errors/aiops-error.js';
import { STAGE_OPS_PORTS } from '../../platform/runtime/ops-server.js';

const kafka = { AIOPS_KAFKA_BROKERS: '127.0.0.1:9092' };

describe('a stage run alone', () => {
  it('gets its own ops port, so detect, correlate and sink do not clash', () => {
    const ports = (['detect', 'correlate', 'sink'] as const).map((n) => planStart([STAGES[n]], kafka).config.opsPort);
    expect(new Set(ports).size).toBe(3);
    expect(ports).toEqual([STAGE_OPS_PORTS.detect, STAGE_OPS_PORTS.correlate, STAGE_OPS_PORTS.sink]);
    expect(new Set(Object.values(STAGE_OPS_PORTS)).size).toBe(Object.keys(STAGE_OPS_PORTS).length);
  });

  it('keeps AIOPS_OPS_PORT as the override, and 9464 for `aiops start`', () => {
    expect(planStart([STAGES.detect], { ...kafka, AIOPS_OPS_PORT: '7000' }).config.opsPort).toBe(7000);
    expect(planStart([STAGES.sink], { ...kafka, AIOPS_OPS_PORT: '0' }).config.opsPort).toBe(0);
    expect(planStart(ALL_STAGES, {}).config.opsPort).toBe(9464);
  });

  it('refuses the in-process bus, naming AIOPS_KAFKA_BROKERS', () => {
    for (const m of Object.values(STAGES)) {
      let caught: unknown;
      try {
        planStart([m], {});
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(AiopsError);
      expect((caught as AiopsError).code).toBe('DISTRIBUTED_BUS_REQUIRED');
      expect((caught as AiopsError).message).toContain('AIOPS_KAFKA_BROKERS');
      expect((caught as AiopsError).message).toContain('--embedded');
    }
    expect(() => planStart([STAGES.ingest], { AIOPS_BUS: 'memory', ...kafka })).toThrow(/AIOPS_KAFKA_BROKERS/);
  });

  it('runs on the in-process bus with --embedded, with a warning', () => {
    const plan = planStart([STAGES.ingest], {}, { embedded: true });
    expect(plan.config.bus).toBe('memory');
    expect(plan.warnings.some((w) => w.msg.includes('--embedded') && w.msg.includes('in-process bus'))).toBe(true);
  });

  it('leaves `aiops start` on the in-process bus without a warning', () => {
    const plan = planStart(ALL_STAGES, {});
    expect(plan.config.bus).toBe('memory');
    expect(plan.warnings).toEqual([]);
  });

  it('warns about a mistyped variable with the closest name', () => {
    const plan = planStart(ALL_STAGES, { AIOPS_API_PROT: '8081' });
    expect(plan.warnings).toHaveLength(1);
    expect(plan.warnings[0]!.msg).toContain('did you mean AIOPS_API_PORT');
    expect(plan.warnings[0]!.fields).toEqual({ variable: 'AIOPS_API_PROT', suggestion: 'AIOPS_API_PORT' });
  });
});
