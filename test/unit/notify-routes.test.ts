// The routing tree, Alertmanager's semantics: the first matching child wins unless it says
// `continue`, a route none of whose children matched is where the incident lands, timings are
// inherited; the file is checked as a whole, every problem listed with its place. `aiops routes
// test` answers where an incident goes; the correlate stage sends only there.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { matchRoutes, parseRoutingTree, type RouteLabels } from '../../correlator/routing.js';
import { DEFAULT_NOTIFICATION_TIMING } from '../../correlator/notification-policy.js';
import { STAGES } from '../../cli/stage-registry.js';
import { loadConfig } from '../../platform/config/config.js';
import type { Anomaly } from '../../platform/contracts/events.js';
import { TOPICS } from '../../platform/contracts/topics.js';
import { runStages } from '../../platform/runtime/run-stages.js';
import { createLogger } from '../../platform/telemetry/logger.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

const EXAMPLE = join(import.meta.dirname, '..', '..', 'docs', 'routes.example.json');
const labels = (over: Partial<Record<string, string[]>>): RouteLabels => ({ tenant: ['default'], service: [], team: [], severity: ['error'], signal: [], affected: [], ...over });
const tree = (doc: unknown) => {
  const { tree: t, problems } = parseRoutingTree(doc, DEFAULT_NOTIFICATION_TIMING);
  expect(problems).toEqual([]);
  return t!;
};
const hook = (name: string) => ({ name, webhook: { url: `http://127.0.0.1/${name}` } });

describe('routing tree', () => {
  it('lists every problem in the file at once, each with its place', () => {
    const { problems } = parseRoutingTree({
      receivers: [hook('a'), hook('a'), { name: 'pd', pagerduty: {} }, { name: 'both', webhook: { url: 'x' }, pagerduty: { routingKey: 'k' } }],
      route: {
        matchers: ['team=x'],
        groupWaitMs: -1,
        routes: [{ receiver: 'nobody', matchers: ['team=payments'] }, { receiver: 'a', matchers: ['colour=red', 'service=~(', 'no matcher'] }],
      },
      extra: 1,
    }, DEFAULT_NOTIFICATION_TIMING);
    const all = problems.join('\n');
    for (const expected of [
      /receivers\[1\]\.name: "a" is named twice/,
      /receivers\[2\]\.pagerduty\.routingKey: required/,
      /receivers\[3\]: needs exactly one of pagerduty, webhook \(has pagerduty and webhook\)/,
      /receivers\[3\]\.webhook\.url: required, an http\(s\) URL/,
      /route\.receiver: required on the root route/,
      /route\.matchers: the root route matches every incident/,
      /route\.groupWaitMs: an integer of milliseconds/,
      /route\.routes\[0\]\.receiver: "nobody" is not one of the receivers/,
      /route\.routes\[1\]\.matchers\[0\]: unknown label "colour"/,
      /route\.routes\[1\]\.matchers\[1\]: "\(" is not a regular expression/,
      /route\.routes\[1\]\.matchers\[2\]: "no matcher" is not a matcher/,
      /extra: unknown field/,
    ]) expect(all).toMatch(expected);
    expect(problems).toHaveLength(12);
  });

  it('stops at the first matching child unless it continues, and falls back to the parent', () => {
    const t = tree({
      receivers: [hook('default'), hook('audit'), hook('payments'), hook('web')],
      route: { receiver: 'default', routes: [
        { matchers: ['severity=critical'], receiver: 'audit', continue: true },
        { matchers: ['team=payments'], receiver: 'payments' },
        { matchers: ['team=payments'], receiver: 'web' },
        { matchers: ['service=~"checkout|frontend"', 'severity!=critical'], receiver: 'web' },
      ] },
    });
    const to = (l: RouteLabels) => matchRoutes(t, l).map((m) => m.receiver);
    expect(to(labels({ team: ['payments'] }))).toEqual(['payments']);
    expect(to(labels({ team: ['payments'], severity: ['critical'] }))).toEqual(['audit', 'payments']);
    expect(to(labels({ service: ['checkout'] }))).toEqual(['web']);
    expect(to(labels({ service: ['checkout'], severity: ['critical'] }))).toEqual(['audit']);
    expect(to(labels({ service: ['search'] }))).toEqual(['default']);
  });

  it('inherits receiver and timings from the parent, each overridable', () => {
    const t = tree({
      receivers: [hook('default'), hook('db')],
      route: { receiver: 'default', groupWaitMs: 10_000, routes: [{ matchers: ['team=data'], receiver: 'db', repeatIntervalMs: 60_000, routes: [{ matchers: ['severity=critical'], groupWaitMs: 0 }] }] },
    });
    const [m] = matchRoutes(t, labels({ team: ['data'], severity: ['critical'] }));
    expect(m).toEqual({ receiver: 'db', path: 'route.routes[0].routes[0]', timing: { ...DEFAULT_NOTIFICATION_TIMING, groupWaitMs: 0, repeatIntervalMs: 60_000 } });
  });

  it('answers `aiops routes test` from the example file, as amtool config routes test does', () => {
    const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', '..', 'cli', 'main.ts'), 'routes', 'test', '--file', EXAMPLE, ...args], { encoding: 'utf8', timeout: 60_000 });
    const r = run(['--service', 'payments', '--team', 'payments']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('audit,payments-pd\n');
    const dir = mkdtempSync(join(tmpdir(), 'aiops-routes-'));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ receivers: [hook('a')], route: { receiver: 'b', routes: [{ matchers: ['x=1'] }] } }));
    const bad = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', '..', 'cli', 'main.ts'), 'routes', 'test', '--file', join(dir, 'bad.json')], { encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/error CONFIG_INVALID: .*\n.*route\.receiver: "b" is not one of the receivers[\s\S]*route\.routes\[0\]\.matchers\[0\]: unknown label "x"/);
  });
});

describe('the correlate stage sends each incident where its routes lead', () => {
  it('pages the team a route picks and not the others, and refuses to start on a bad file', async () => {
    const receiver = await startWebhookReceiver();
    const dir = mkdtempSync(join(tmpdir(), 'aiops-routes-stage-'));
    const routes = join(dir, 'routes.json');
    writeFileSync(routes, JSON.stringify({
      receivers: [{ name: 'default', webhook: { url: `${receiver.url}/default` } }, { name: 'data', webhook: { url: `${receiver.url}/data` } }],
      route: { receiver: 'default', groupWaitMs: 0, routes: [{ matchers: ['team=data'], receiver: 'data' }] },
    }));
    const env = { AIOPS_DATA_DIR: dir, AIOPS_BUS: 'memory', AIOPS_STORE: 'duckdb', AIOPS_NOTIFY_ROUTES_FILE: routes };
    const logger = createLogger('silent', { role: 'test' });
    const pipeline = await runStages([STAGES.sink, STAGES.correlate], loadConfig({}, env), { logger, opsServer: false });
    const an = (service: string, i: number): Anomaly => ({
      id: `an_${service}_${i}`, tenant: 'default', ts: Date.now() - (10 - i) * 1000, service, signal: 'metric', subject: 'latency_p95_ms', detector: 'sustained-deviation',
      score: 0.9, observed: 900, expected: 100, lower: 50, upper: 150, direction: 'up', evidence: {},
    });
    try {
      await pipeline.bus.publish(TOPICS.topology, [{ key: 'default', value: { tenant: 'default', version: 1, services: [{ name: 'db', team: 'data' }, { name: 'web', userFacing: true, team: 'web' }], edges: [] } }]);
      await pipeline.bus.publish(TOPICS.anomalies, [an('db', 0), an('db', 1), an('db', 2)].map((a) => ({ key: 'default', value: a })));
      const deadline = Date.now() + 10_000;
      while (receiver.received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 1_500));
    } finally {
      await pipeline.stop();
      await receiver.close();
    }
    expect(receiver.paths).toEqual(['/hook/data']);
    writeFileSync(routes, JSON.stringify({ receivers: [], route: {} }));
    await expect(runStages([STAGES.correlate], loadConfig({}, env), { logger, opsServer: false })).rejects.toThrow(/receivers: required[\s\S]*route\.receiver: required/);
  });
});
