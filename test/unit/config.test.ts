import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig, VARIABLES } from '../../platform/config/config.js';
import { ERROR_CATALOGUE } from '../../platform/errors/catalogue.js';

describe('configuration', () => {
  it('defaults to the embedded mode with nothing set', () => {
    const c = loadConfig({});
    expect(c.bus).toBe('memory');
    expect(c.store).toBe('duckdb');
  });

  it('switches to Kafka and ClickHouse when their addresses are set', () => {
    const c = loadConfig({ AIOPS_KAFKA_BROKERS: 'a:9092, b:9092', AIOPS_CLICKHOUSE_URL: 'http://ch:8123' });
    expect(c.bus).toBe('kafka');
    expect(c.kafka.brokers).toEqual(['a:9092', 'b:9092']);
    expect(c.store).toBe('clickhouse');
  });

  it('reports every problem at once with the variable names', () => {
    let message = '';
    try {
      loadConfig({ AIOPS_BUS: 'kafka', AIOPS_API_PORT: 'eighty', AIOPS_CLICKHOUSE_DATABASE: 'x;drop', AIOPS_LOG_LEVEL: 'loud' });
    } catch (err) {
      message = (err as Error).message;
      expect((err as { code: string }).code).toBe('CONFIG_INVALID');
    }
    for (const v of ['AIOPS_KAFKA_BROKERS', 'AIOPS_API_PORT', 'AIOPS_CLICKHOUSE_DATABASE', 'AIOPS_LOG_LEVEL']) expect(message).toContain(v);
  });

  it('documents every variable in the README table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const v of VARIABLES) expect(readme, v.name).toContain(`\`${v.name}\``);
  });

  it('documents every error code in docs/errors.md', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    for (const code of Object.keys(ERROR_CATALOGUE)) expect(doc, code).toContain(`\`${code}\``);
  });
});
