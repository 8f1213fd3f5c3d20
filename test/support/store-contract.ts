// The store contract: every Store implementation passes the same behaviour suite.
import { describe, expect, it } from 'vitest';
import type { Anomaly, Incident, LogRecord } from '../../platform/contracts/events.js';
import { stableId } from '../../platform/contracts/ids.js';
import type { Store } from '../../platform/store/store.js';
import { notificationId, type NotificationRecord } from '../../platform/contracts/notifications.js';
import { INJECTION_CORPUS } from './injection-corpus.js';

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);

export function anomaly(tenant: string, i: number, over: Partial<Anomaly> = {}): Anomaly {
  return {
    id: stableId('an', tenant, i), tenant, ts: T0 + i * 1000, service: `svc-${i % 3}`, signal: 'metric',
    subject: `latency{i="${i}"}`, detector: 'robust', score: 0.99, observed: 10 + i, expected: 5, lower: 4, upper: 6,
    direction: 'up', evidence: { why: 'above band' }, ...over,
  };
}

export function incident(tenant: string, i: number, over: Partial<Incident> = {}): Incident {
  return {
    id: stableId('inc', tenant, i), tenant, version: 1, status: 'open', title: `incident ${i}`,
    openedAt: T0 + i * 60_000, updatedAt: T0 + i * 60_000, services: ['api', `svc-${i}`], userFacing: ['api'],
    anomalyCount: 3, anomalyIds: ['a', 'b', 'c'],
    rootCauses: [{ service: `svc-${i}`, rank: 1, score: 0.9, path: [`svc-${i}`, 'api'], firstAnomalyAt: T0, changes: [], signals: ['latency'], reasons: ['first'] }],
    groupingReasons: ['window'], ...over,
  };
}

/** As a restart does: the writer's window of recent ids starts empty, so replays reach the table. */
function forgetWindow(store: Store): void {
  const s = store as Store & { forgetRecentIds?: () => void };
  if (!s.forgetRecentIds) throw new Error('the store has no writer window to forget');
  s.forgetRecentIds();
}

export function storeContract(name: string, open: () => Promise<Store>, tenantPrefix: string): void {
  describe(`${name} store contract`, () => {
    const tenant = (s: string) => `${tenantPrefix}_${s}`;

    it('counts a replayed batch of logs once', async () => {
      const store = await open();
      const t = tenant('replay');
      const logs: LogRecord[] = Array.from({ length: 50 }, (_, i) => ({
        id: stableId('log', t, i), tenant: t, ts: T0 + i, service: 'api', severity: 'info', body: `line ${i}`, attributes: { k: String(i) },
      }));
      await store.insertLogs(logs);
      await store.insertLogs(logs);
      await store.insertLogs(logs.slice(10, 20));
      expect(await store.count(t, 'logs')).toBe(50);
    });

    it('counts and lists a record replayed after a restart once (duplicates beyond the writer window)', async () => {
      const store = await open();
      const t = tenant('restart');
      const logs: LogRecord[] = Array.from({ length: 20 }, (_, i) => ({
        id: stableId('log', t, i), tenant: t, ts: T0 + i, service: 'api', severity: 'info', body: `line ${i}`, attributes: {},
      }));
      const anomalies = Array.from({ length: 5 }, (_, i) => anomaly(t, i));
      await store.insertLogs(logs);
      await store.insertAnomalies(anomalies);
      forgetWindow(store);
      await store.insertLogs(logs);
      await store.insertAnomalies(anomalies.slice(1, 4));
      expect(await store.count(t, 'logs')).toBe(20);
      expect(await store.count(t, 'anomalies')).toBe(5);
      const page = await store.queryAnomalies({ tenant: t, limit: 3 });
      expect(page.items.map((a) => a.id)).toEqual([anomalies[4]!.id, anomalies[3]!.id, anomalies[2]!.id]);
      const rest = await store.queryAnomalies({ tenant: t, limit: 3, cursor: page.nextCursor! });
      expect(rest.items.map((a) => a.id)).toEqual([anomalies[1]!.id, anomalies[0]!.id]);
      expect(rest.nextCursor).toBeUndefined();
      const services = await store.listServices(t);
      expect(services.reduce((n, s) => n + s.anomalies, 0)).toBe(5);
    });

    it('expires metric points by table and tenant: the default, a shorter override, and a tenant kept for ever', async () => {
      const store = await open();
      const [a, b, c] = [tenant('ret_default'), tenant('ret_short'), tenant('ret_forever')];
      const DAY = 86_400_000;
      const now = T0 + 400 * DAY; // days of their own: partition drops touch no other test's rows
      const ages = [5 * DAY, 2 * DAY, 3_600_000];
      const point = (t: string, age: number) => ({ id: stableId('m', t, age), tenant: t, ts: now - age, service: 'api', name: 'rps', kind: 'gauge' as const, value: 1, labels: {} });
      await store.insertMetrics([a, b, c].flatMap((t) => ages.map((age) => point(t, age))));
      await store.applyRetention({ metrics: { defaultMs: 3 * DAY, tenants: { [b]: DAY, [c]: null } } }, now);
      // ClickHouse deletes a tenant's rows by mutation, which completes in the background.
      const counts = async () => [await store.count(a, 'metrics'), await store.count(b, 'metrics'), await store.count(c, 'metrics')];
      const deadline = Date.now() + 15_000;
      let got = await counts();
      while (got.join() !== '2,1,3' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        got = await counts();
      }
      expect(got).toEqual([2, 1, 3]);
    });

    it('stores text with lone UTF-16 surrogates (legal in JSON escapes) instead of failing the batch', async () => {
      const store = await open();
      const t = tenant('surrogate');
      const odd = ['lone high \ud800 here', 'lone low \udc00', 'pair \ud83d\ude00 kept'];
      await store.insertLogs(odd.map((body, i) => ({ id: stableId('log', t, i), tenant: t, ts: T0 + i, service: 'api', severity: 'info', body, attributes: { k: body } })));
      expect(await store.count(t, 'logs')).toBe(3);
      await store.insertAnomalies([anomaly(t, 1, { service: 'svc \ud800' })]);
      expect(await store.count(t, 'anomalies')).toBe(1);
    });

    it('keeps the highest incident version and never lists an incident twice', async () => {
      const store = await open();
      const t = tenant('versions');
      await store.upsertIncidents([incident(t, 1, { version: 1, title: 'v1' })]);
      await store.upsertIncidents([incident(t, 1, { version: 3, title: 'v3', status: 'resolved', resolvedAt: T0 + 99 })]);
      await store.upsertIncidents([incident(t, 1, { version: 2, title: 'v2' })]);
      const page = await store.queryIncidents({ tenant: t, limit: 10 });
      expect(page.items).toHaveLength(1);
      expect(page.items[0]!.title).toBe('v3');
      expect(page.items[0]!.status).toBe('resolved');
      expect(page.items[0]!.resolvedAt).toBe(T0 + 99);
      expect((await store.getIncident(t, page.items[0]!.id))?.version).toBe(3);
    });

    it('pages incidents with a cursor, newest first, without gaps or repeats', async () => {
      const store = await open();
      const t = tenant('paging');
      await store.upsertIncidents(Array.from({ length: 7 }, (_, i) => incident(t, i)));
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.queryIncidents({ tenant: t, limit: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((x) => x.title));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(['incident 6', 'incident 5', 'incident 4', 'incident 3', 'incident 2', 'incident 1', 'incident 0']);
    });

    it('filters incidents by affected service, root cause and status', async () => {
      const store = await open();
      const t = tenant('filters');
      await store.upsertIncidents([incident(t, 1), incident(t, 2, { status: 'resolved' }), incident(t, 3)]);
      expect((await store.queryIncidents({ tenant: t, limit: 10, service: 'svc-2' })).items.map((i) => i.title)).toEqual(['incident 2']);
      expect((await store.queryIncidents({ tenant: t, limit: 10, rootCause: 'svc-3' })).items.map((i) => i.title)).toEqual(['incident 3']);
      expect((await store.queryIncidents({ tenant: t, limit: 10, status: 'open' })).items).toHaveLength(2);
    });

    it('keeps the highest alert version and lists alerts most recently seen first', async () => {
      const store = await open();
      const t = tenant('alerts');
      const alert = (id: string, version: number, lastSeen: number, status: 'firing' | 'resolved' = 'firing') => ({
        id, tenant: t, version, fingerprint: `fp-${id}`, recipe: 'anomaly.v1', service: 'api', signal: 'metric' as const, subject: 'latency',
        status, firstSeen: T0, lastSeen, count: version, transitions: 0, flapping: version > 2, maxScore: 0.5, lastAnomalyId: `an-${version}`,
        labels: { detector: 'spike', "q'uote": '\\x' },
      });
      await store.upsertAlerts([alert('a1', 1, T0 + 1)]);
      await store.upsertAlerts([alert('a1', 3, T0 + 30, 'resolved'), alert('a2', 1, T0 + 20)]);
      await store.upsertAlerts([alert('a1', 2, T0 + 10)]);
      const all = (await store.queryAlerts({ tenant: t, limit: 10 })).items;
      expect(all.map((a) => [a.id, a.version, a.status])).toEqual([['a1', 3, 'resolved'], ['a2', 1, 'firing']]);
      expect(all[0]!.flapping).toBe(true);
      expect(all[0]!.labels).toEqual({ detector: 'spike', "q'uote": '\\x' });
      expect((await store.queryAlerts({ tenant: t, limit: 10, status: 'firing' })).items.map((a) => a.id)).toEqual(['a2']);
      const page1 = await store.queryAlerts({ tenant: t, limit: 1 });
      const page2 = await store.queryAlerts({ tenant: t, limit: 1, cursor: page1.nextCursor! });
      expect([...page1.items, ...page2.items].map((a) => a.id)).toEqual(['a1', 'a2']);
      expect(await store.count(t, 'alerts')).toBe(2);
    });

    it('leaves merged incidents out of listings unless asked, and keeps where they went', async () => {
      const store = await open();
      const t = tenant('merged');
      await store.upsertIncidents([incident(t, 1), incident(t, 2, { status: 'merged', mergedInto: 'inc-1' })]);
      expect((await store.queryIncidents({ tenant: t, limit: 10 })).items.map((i) => i.title)).toEqual(['incident 1']);
      const merged = (await store.queryIncidents({ tenant: t, limit: 10, status: 'merged' })).items;
      expect(merged.map((i) => i.mergedInto)).toEqual(['inc-1']);
      const one = await store.getIncident(t, merged[0]!.id);
      expect(one?.mergedInto).toBe('inc-1');
    });

    it('round-trips every injection-corpus value as a literal filter value', async () => {
      const store = await open();
      const t = tenant('inject');
      const rows = INJECTION_CORPUS.map((v, i) => anomaly(t, i, { subject: v, service: v.slice(0, 200), evidence: { value: v } }));
      await store.insertAnomalies(rows);
      await store.upsertIncidents(INJECTION_CORPUS.map((v, i) => incident(t, i, { services: [v], title: v })));
      let matched = 0;
      for (const [i, v] of INJECTION_CORPUS.entries()) {
        const bySubject = await store.queryAnomalies({ tenant: t, subject: v, limit: 5 });
        expect(bySubject.items.map((a) => a.id)).toEqual([rows[i]!.id]);
        expect(bySubject.items[0]!.subject).toBe(v);
        expect(bySubject.items[0]!.evidence.value).toBe(v);
        const byService = await store.queryIncidents({ tenant: t, service: v, limit: 5 });
        expect(byService.items.map((x) => x.title)).toEqual([v]);
        matched++;
      }
      expect(matched).toBe(INJECTION_CORPUS.length);
      // The tables the corpus tried to drop are still there.
      expect(await store.count(t, 'anomalies')).toBe(INJECTION_CORPUS.length);
      expect(await store.count(t, 'incidents')).toBe(INJECTION_CORPUS.length);
    });

    it('rejects a cursor it did not issue', async () => {
      const store = await open();
      await expect(store.queryIncidents({ tenant: tenant('cursor'), limit: 5, cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'BAD_CURSOR' });
    });

    it('keeps the newest checkpoint per key', async () => {
      const store = await open();
      const t = tenant('ckpt');
      await store.putCheckpoints(t, 'detector', [{ key: 'a', version: 1, state: '{"n":1}' }, { key: 'b', version: 1, state: '{"n":1}' }]);
      await store.putCheckpoints(t, 'detector', [{ key: 'a', version: 2, state: '{"n":2}' }]);
      const got = await store.getCheckpoints(t, 'detector', ['a']);
      expect(got).toEqual([{ key: 'a', version: 2, state: '{"n":2}' }]);
      expect((await store.getCheckpoints(t, 'detector')).length).toBe(2);
    });

    it('writes and reads many tenants\' checkpoints in one call, each under its own tenant only', async () => {
      const store = await open();
      const [a, b] = [tenant('ckpt-a'), tenant('ckpt-b')];
      await store.putTenantCheckpoints('detector', [
        { tenant: a, key: 'k', version: 1, state: '{"a":1}' },
        { tenant: b, key: 'k', version: 1, state: '{"b":1}' },
        { tenant: a, key: 'k', version: 2, state: '{"a":2}' },
      ]);
      expect(await store.getCheckpoints(a, 'detector', ['k'])).toEqual([{ key: 'k', version: 2, state: '{"a":2}' }]);
      expect(await store.getCheckpoints(b, 'detector', ['k'])).toEqual([{ key: 'k', version: 1, state: '{"b":1}' }]);
      expect(await store.getCheckpoints(b, 'other')).toEqual([]);
      const read = await store.getTenantCheckpoints('detector', new Map([[a, ['k']], [b, ['absent']]]));
      // b's key k exists but was not asked for under b: pairs are matched, not tenants and keys apart.
      expect(read).toEqual([{ tenant: a, key: 'k', version: 2, state: '{"a":2}' }]);
    });

    it('keeps one row per anomaly episode, its newest version published in order', async () => {
      const store = await open();
      const t = tenant('episodes');
      const id = stableId('an', t, 'episode');
      const v = (version: number): Anomaly => anomaly(t, 1, {
        id, observed: 10 + version, significance: 'golden',
        episode: { id, status: version === 3 ? 'closed' : 'open', version, openedAt: T0 + 1000, lastAt: T0 + version * 60_000, points: version * 12, peakScore: 0.99, peakValue: 10 + version, peakAt: T0 + version * 60_000, lastValue: 10 + version, ...(version === 3 ? { closedAt: T0 + 480_000 } : {}) },
      });
      await store.insertAnomalies([v(1)]);
      await store.insertAnomalies([v(2)]);
      await store.insertAnomalies([v(3)]);
      const items = (await store.queryAnomalies({ tenant: t, limit: 10 })).items;
      expect(items).toEqual([v(3)]);
      expect(await store.count(t, 'anomalies')).toBe(1);
    });

    it('keeps a notification written twice once, and reads the log back newest first by tenant, incident and kind', async () => {
      const store = await open();
      const t = tenant('nflog');
      const note = (incidentId: string, kind: NotificationRecord['kind'], sentAt: number, partition = 3): NotificationRecord => {
        const r = { tenant: t, incidentId, receiver: 'webhook-0123456789ab', kind, cycle: 1, sentAt, incidentVersion: 2, incidentUpdatedAt: T0, signature: '[["api"],"db"]', partition };
        return { id: notificationId(r), ...r };
      };
      const trigger = note('inc_a', 'trigger', T0 + 1);
      await store.appendNotifications([trigger, note('inc_a', 'repeat', T0 + 2), note('inc_b', 'trigger', T0 + 3)]);
      // A rewrite after a write that seemed to fail: the same row again.
      await store.appendNotifications([trigger]);
      const all = await store.queryNotifications({ tenant: t, limit: 10 });
      expect(all.map((r) => [r.incidentId, r.kind])).toEqual([['inc_b', 'trigger'], ['inc_a', 'repeat'], ['inc_a', 'trigger']]);
      expect(all[0]).toEqual(note('inc_b', 'trigger', T0 + 3));
      expect((await store.queryNotifications({ tenant: t, since: T0 + 2, limit: 10 })).map((r) => r.kind)).toEqual(['trigger', 'repeat']);
      // Two replicas racing: the same trigger sent at another time has the same id, and one row stays.
      await store.appendNotifications([{ ...trigger, sentAt: T0 + 9 }]);
      expect((await store.queryNotifications({ tenant: t, incidentIds: ['inc_a'], limit: 10 })).filter((r) => r.kind === 'trigger')).toHaveLength(1);
      expect((await store.queryNotifications({ tenant: t, incidentIds: ['inc_a'], kinds: ['trigger', 'resolve'], limit: 10 })).map((r) => r.id)).toEqual([trigger.id]);
      expect(await store.queryNotifications({ tenant: t, incidentIds: [], limit: 10 })).toEqual([]);
      expect((await store.queryNotifications({ kinds: ['trigger'], since: T0, limit: 10_000 })).filter((r) => r.tenant === t)).toHaveLength(2);
    });

    it('applies migrations once', async () => {
      const store = await open();
      expect(await store.migrate()).toEqual([]);
    });
  });
}
