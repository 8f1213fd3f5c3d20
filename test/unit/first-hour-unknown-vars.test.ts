import { describe, expect, it } from 'vitest';
import { VARIABLES } from '../../platform/config/config.js';
import { closestName, editDistance, unknownVariables } from '../../platform/config/unknown-vars.js';

describe('unknown AIOPS_* variables', () => {
  it('counts insertions, deletions, substitutions and transpositions as one edit each', () => {
    expect(editDistance('PORT', 'PORT')).toBe(0);
    expect(editDistance('PORT', 'PROT')).toBe(1);
    expect(editDistance('PORT', 'PORTS')).toBe(1);
    expect(editDistance('PORT', 'POT')).toBe(1);
    expect(editDistance('PORT', 'PART')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('names the closest known variable for a typo', () => {
    const found = unknownVariables({ AIOPS_API_PROT: '8081', AIOPS_KAFKA_BROKER: 'x:9092', PATH: '/bin' });
    expect(found).toEqual([
      { name: 'AIOPS_API_PROT', suggestion: 'AIOPS_API_PORT' },
      { name: 'AIOPS_KAFKA_BROKER', suggestion: 'AIOPS_KAFKA_BROKERS' },
    ]);
  });

  it('says nothing about known variables, other prefixes, or those the service scripts read', () => {
    const env: Record<string, string> = { HOME: '/root', AIOPS_KAFKA_PORT: '9092', AIOPS_SERVICES_DIR: '.services' };
    for (const v of VARIABLES) env[v.name] = 'x';
    expect(unknownVariables(env)).toEqual([]);
  });

  it('gives no suggestion when nothing known is close', () => {
    expect(unknownVariables({ AIOPS_MODE: 'distributed' })).toEqual([{ name: 'AIOPS_MODE' }]);
    expect(closestName('AIOPS_SOMETHING_ELSE_ENTIRELY', VARIABLES.map((v) => v.name))).toBeUndefined();
  });
});
