// Generates one demo scenario: daily-seasonal metrics with noise and logs for every service of
// the shop, a few benign deploys, and one fault injected into a backend service whose symptoms
// propagate to its callers one hop per minute.
import type { ChangeEvent, LogRecord, MetricPoint, Severity } from './types.js';
import { stableId } from '../platform/contracts/ids.js';
import { SeededRandom } from './random.js';
import { FAULT_TARGETS, SHOP_TOPOLOGY } from './shop-topology.js';

export const FAULT_KINDS = ['latency', 'errors-after-deploy', 'saturation'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface ScenarioSpec {
  fault: FaultKind;
  seed: number;
  /** Minutes of normal behaviour before the fault window opens. */
  warmupMinutes: number;
  faultMinutes: number;
  tailMinutes: number;
  logsPerMinute: number;
  /** Tenant of every generated record (tests isolate runs by tenant). */
  tenant?: string;
}

export const DEFAULT_SPEC: Omit<ScenarioSpec, 'fault' | 'seed'> = { warmupMinutes: 720, faultMinutes: 40, tailMinutes: 30, logsPerMinute: 4 };

export interface MinuteSlice {
  ts: number;
  metrics: MetricPoint[];
  logs: LogRecord[];
  changes: ChangeEvent[];
}

interface Profile {
  ownLatency: number;
  rps: number;
  errBase: number;
  cpuBase: number;
}

const MINUTE = 60_000;
const DAY_MINUTES = 1440;
const START = Date.UTC(2026, 9, 5, 0, 0, 0);
const CALL_WEIGHT = 0.6;
const ERROR_PROPAGATION = 0.6;

export class Scenario {
  readonly target: string;
  readonly faultAt: number;
  readonly endAt: number;
  readonly startAt: number;
  readonly deployAt: number | undefined;
  private readonly rng: SeededRandom;
  private readonly order: string[];
  private readonly callees = new Map<string, string[]>();
  private readonly profiles = new Map<string, Profile>();
  private readonly severity: number;
  private readonly tenant: string;
  private readonly benignDeploys: Array<{ ts: number; service: string; version: string }> = [];

  constructor(readonly spec: ScenarioSpec) {
    this.tenant = spec.tenant ?? 'default';
    this.rng = new SeededRandom(spec.seed * 7919 + FAULT_KINDS.indexOf(spec.fault) * 104729);
    this.startAt = START + (spec.seed % 7) * DAY_MINUTES * MINUTE;
    this.target = this.rng.pick(FAULT_TARGETS);
    const faultMinute = spec.warmupMinutes + Math.floor(this.rng.between(0, 30));
    this.faultAt = this.startAt + faultMinute * MINUTE;
    this.endAt = this.faultAt + (spec.faultMinutes + spec.tailMinutes) * MINUTE;
    this.deployAt = spec.fault === 'errors-after-deploy' ? this.faultAt - Math.floor(this.rng.between(2, 7)) * MINUTE : undefined;
    this.severity = this.rng.between(0.8, 1.2);
    for (const s of SHOP_TOPOLOGY.services) this.callees.set(s.name, []);
    for (const e of SHOP_TOPOLOGY.edges) this.callees.get(e.from)!.push(e.to);
    this.order = topologicalCalleesFirst(this.callees);
    for (const s of SHOP_TOPOLOGY.services) {
      const db = s.name.endsWith('-db') || s.name.endsWith('-cache');
      this.profiles.set(s.name, {
        ownLatency: db ? this.rng.between(2, 8) : this.rng.between(8, 40),
        rps: this.rng.between(40, 400),
        errBase: this.rng.between(0.001, 0.006),
        cpuBase: this.rng.between(15, 45),
      });
    }
    // Deploys on other services during warm-up: a change is not a cause by itself.
    for (let i = 0; i < 3; i++) {
      const service = this.rng.pick(SHOP_TOPOLOGY.services.filter((s) => s.name !== this.target)).name;
      const ts = this.startAt + Math.floor(this.rng.between(60, spec.warmupMinutes - 60)) * MINUTE;
      this.benignDeploys.push({ ts, service, version: `v1.${Math.floor(this.rng.between(10, 99))}.0` });
    }
  }

  get minutes(): number {
    return Math.round((this.endAt - this.startAt) / MINUTE);
  }

  /** Fault intensity 0..1 at time t: ramps up over 3 minutes, holds, then stops. */
  private intensity(t: number): number {
    const since = (t - this.faultAt) / MINUTE;
    if (since < 0 || since > this.spec.faultMinutes) return 0;
    return Math.min(1, (since + 1) / 3);
  }

  *slices(): Generator<MinuteSlice> {
    const prevLatency = new Map<string, number>();
    const prevErrors = new Map<string, number>();
    const requests = new Map<string, number>();
    for (const [name, p] of this.profiles) {
      prevLatency.set(name, p.ownLatency);
      prevErrors.set(name, p.errBase);
      requests.set(name, Math.floor(this.rng.between(1e5, 1e6)));
    }
    for (let m = 0; m < this.minutes; m++) {
      const ts = this.startAt + m * MINUTE;
      const dayPhase = ((ts / MINUTE) % DAY_MINUTES) / DAY_MINUTES;
      const load = 1 + 0.4 * Math.sin(2 * Math.PI * (dayPhase - 0.3));
      const slice: MinuteSlice = { ts, metrics: [], logs: [], changes: [] };
      const latency = new Map<string, number>();
      const errors = new Map<string, number>();
      const k = this.intensity(ts);
      for (const svc of this.order) {
        const p = this.profiles.get(svc)!;
        const isTarget = svc === this.target;
        let cpu = p.cpuBase * (0.6 + 0.4 * load) * (1 + 0.05 * this.rng.normal());
        let own = p.ownLatency * (1 + 0.25 * (load - 1)) * (1 + 0.06 * this.rng.normal());
        let err = p.errBase * Math.max(0, 1 + 0.3 * this.rng.normal());
        if (isTarget && k > 0) {
          if (this.spec.fault === 'latency') own += k * this.severity * 220;
          if (this.spec.fault === 'errors-after-deploy') err += k * this.severity * 0.18;
          if (this.spec.fault === 'saturation') {
            cpu = cpu + (98 - cpu) * Math.min(1, ((ts - this.faultAt) / MINUTE + 1) / 8);
            own *= 1 + 6 * Math.max(0, (cpu - 75) / 25) ** 2;
            err += Math.max(0, (cpu - 94) / 6) * 0.05;
          }
        }
        let lat = own;
        for (const c of this.callees.get(svc)!) {
          lat += CALL_WEIGHT * prevLatency.get(c)!;
          err += ERROR_PROPAGATION * Math.max(0, prevErrors.get(c)! - this.profiles.get(c)!.errBase);
        }
        err = Math.min(1, err);
        latency.set(svc, lat);
        errors.set(svc, err);
        const rps = p.rps * load * (1 + 0.04 * this.rng.normal());
        requests.set(svc, requests.get(svc)! + Math.round(rps * 60));
        slice.metrics.push(
          this.point(svc, 'http_server_request_duration_p95_ms', 'gauge', ts, lat),
          this.point(svc, 'http_server_error_ratio', 'gauge', ts, err),
          this.point(svc, 'http_server_requests_total', 'counter', ts, requests.get(svc)!),
          this.point(svc, 'process_cpu_utilization_percent', 'gauge', ts, Math.min(100, cpu)),
        );
        this.emitLogs(slice, svc, ts, lat, err);
      }
      for (const [svc, v] of latency) prevLatency.set(svc, v);
      for (const [svc, v] of errors) prevErrors.set(svc, v);
      for (const d of this.benignDeploys) if (d.ts === ts) slice.changes.push(this.change(d.service, ts, d.version));
      if (this.deployAt === ts) slice.changes.push(this.change(this.target, ts, `v2.${Math.floor(this.rng.between(0, 9))}.0`));
      yield slice;
    }
  }

  private point(service: string, name: string, kind: 'gauge' | 'counter', ts: number, value: number): MetricPoint {
    return { id: stableId('mp', this.tenant, service, name, ts), tenant: this.tenant, ts, service, name, kind, value: Math.round(value * 1e4) / 1e4, labels: { env: 'prod' } };
  }

  private change(service: string, ts: number, version: string): ChangeEvent {
    return {
      id: stableId('chg', this.tenant, service, ts), tenant: this.tenant, ts, service, kind: 'deploy',
      summary: `deploy ${service} ${version}`, source: 'demo-ci', attributes: { version },
    };
  }

  private emitLogs(slice: MinuteSlice, svc: string, ts: number, latency: number, errRatio: number): void {
    const callees = this.callees.get(svc)!;
    for (let i = 0; i < this.spec.logsPerMinute; i++) {
      const at = ts + Math.floor((i / this.spec.logsPerMinute) * MINUTE);
      const isError = this.rng.next() < errRatio;
      let severity: Severity = 'info';
      let body: string;
      if (isError) {
        severity = 'error';
        const callee = callees.length > 0 ? this.rng.pick(callees) : undefined;
        body = callee
          ? `request ${Math.floor(this.rng.next() * 1e9).toString(16)} failed: upstream ${callee} returned 503 after ${Math.round(latency)} ms`
          : `query failed: ${svc} internal error code=${500 + Math.floor(this.rng.next() * 4)} after ${Math.round(latency)} ms`;
      } else {
        body = `GET /api/${svc}/items/${Math.floor(this.rng.next() * 10000)} 200 in ${Math.round(latency * this.rng.between(0.5, 1.1))} ms`;
      }
      slice.logs.push({
        id: stableId('log', this.tenant, svc, at, i), tenant: this.tenant, ts: at, service: svc, host: `${svc}-${i % 3}`,
        severity, body, attributes: { pod: `${svc}-${i % 3}` },
      });
    }
  }
}

function topologicalCalleesFirst(callees: Map<string, string[]>): string[] {
  const out: string[] = [];
  const state = new Map<string, 1 | 2>();
  const visit = (n: string) => {
    if (state.get(n) === 2) return;
    if (state.get(n) === 1) throw new Error(`demo topology has a cycle at ${n}`);
    state.set(n, 1);
    for (const c of callees.get(n) ?? []) visit(c);
    state.set(n, 2);
    out.push(n);
  };
  for (const n of callees.keys()) visit(n);
  return out;
}
