/**
 * Three instrumented services on loopback (frontend -> checkout -> payments), each with its own prom-client
 * registry on /metrics, plus fault switches on POST /admin/fault (JSON {latencyMs, errorRate, leakMbPerMin,
 * cpuBusyPct, dropTraffic}) so the bench can break one chosen service while Prometheus scrapes all three.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const SERVICES = ['frontend', 'checkout', 'payments'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface Fault {
  latencyMs: number;
  errorRate: number;
  leakMbPerMin: number;
  cpuBusyPct: number;
  /** Frontend only: the traffic generator sends (almost) nothing while set. */
  dropTraffic: boolean;
}
export const NO_FAULT: Fault = { latencyMs: 0, errorRate: 0, leakMbPerMin: 0, cpuBusyPct: 0, dropTraffic: false };

export interface AppPorts { frontend: number; checkout: number; payments: number }
export const DEFAULT_PORTS: AppPorts = { frontend: 18081, checkout: 18082, payments: 18083 };

const DOWNSTREAM: Record<ServiceName, ServiceName | undefined> = { frontend: 'checkout', checkout: 'payments', payments: undefined };
/** Leaked memory is capped so a forgotten switch cannot take the machine down. */
const MAX_LEAK_BYTES = 512 * 1024 * 1024;

function parseFault(body: unknown): Fault {
  const o = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const num = (k: string, max: number): number => {
    const v = o[k];
    return typeof v === 'number' && Number.isFinite(v) ? Math.min(Math.max(v, 0), max) : 0;
  };
  return { latencyMs: num('latencyMs', 10_000), errorRate: num('errorRate', 1), leakMbPerMin: num('leakMbPerMin', 200),
    cpuBusyPct: num('cpuBusyPct', 90), dropTraffic: o['dropTraffic'] === true };
}

function readBody(req: IncomingMessage, limit = 64 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => { size += c.length; if (size > limit) { req.destroy(); reject(new Error('body too large')); } else chunks.push(c); });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function callDownstream(port: number, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/api', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 599));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(599));
    req.end();
  });
}

export class ServiceProcess {
  readonly registry = new Registry();
  fault: Fault = { ...NO_FAULT };
  private readonly requests: Counter<'code' | 'route'>;
  private readonly duration: Histogram<'code' | 'route'>;
  private readonly leaked: Buffer[] = [];
  private leakedBytes = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  private server: Server | undefined;

  constructor(readonly name: ServiceName, private readonly ports: AppPorts) {
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests served', labelNames: ['code', 'route'], registers: [this.registry] });
    this.duration = new Histogram({ name: 'http_request_duration_seconds', help: 'HTTP request latency', labelNames: ['code', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [this.registry] });
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => { void this.handle(req, res); });
    await new Promise<void>((resolve, reject) => { this.server?.once('error', reject); this.server?.listen(this.ports[this.name], '127.0.0.1', resolve); });
    // Leak and CPU burn tick once a second so a fault ramps like a real one instead of stepping.
    this.timers.push(setInterval(() => this.tick(), 1000));
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await new Promise<void>((resolve) => { if (this.server) this.server.close(() => resolve()); else resolve(); });
  }

  private tick(): void {
    if (this.fault.leakMbPerMin > 0 && this.leakedBytes < MAX_LEAK_BYTES) {
      const bytes = Math.round((this.fault.leakMbPerMin * 1024 * 1024) / 60);
      this.leaked.push(Buffer.alloc(bytes, 1));
      this.leakedBytes += bytes;
    } else if (this.fault.leakMbPerMin === 0 && this.leakedBytes > 0) {
      this.leaked.length = 0;
      this.leakedBytes = 0;
    }
    if (this.fault.cpuBusyPct > 0) {
      // Busy-wait for that share of the next second, in 50 ms slices so requests still get served in between.
      const slices = 20;
      const busy = (this.fault.cpuBusyPct / 100) * 50;
      for (let i = 0; i < slices; i++) {
        setTimeout(() => { const end = Date.now() + busy; while (Date.now() < end) { /* burn */ } }, i * 50);
      }
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    try {
      if (url === '/metrics') {
        res.setHeader('content-type', this.registry.contentType);
        res.end(await this.registry.metrics());
        return;
      }
      if (url === '/admin/fault' && req.method === 'POST') {
        this.fault = parseFault(JSON.parse((await readBody(req)) || '{}'));
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(this.fault));
        return;
      }
      if (url === '/api') { await this.serveApi(res); return; }
      res.statusCode = 404;
      res.end();
    } catch (err) {
      res.statusCode = 400;
      res.end((err as Error).message);
    }
  }

  private async serveApi(res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    // Healthy work: a few ms of jitter, so the latency histogram has a shape to learn.
    const wait = 2 + Math.random() * 8 + this.fault.latencyMs * (0.8 + Math.random() * 0.4);
    await new Promise((r) => setTimeout(r, wait));
    let code = Math.random() < this.fault.errorRate ? 500 : 200;
    const down = DOWNSTREAM[this.name];
    if (code === 200 && down) {
      const downCode = await callDownstream(this.ports[down], 15_000);
      if (downCode >= 500) code = 502;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const labels = { code: String(code), route: '/api' };
    this.requests.inc(labels);
    this.duration.observe(labels, seconds);
    res.statusCode = code;
    res.end();
  }
}

export async function startApp(ports: AppPorts = DEFAULT_PORTS): Promise<Map<ServiceName, ServiceProcess>> {
  const app = new Map<ServiceName, ServiceProcess>();
  for (const name of SERVICES) {
    const svc = new ServiceProcess(name, ports);
    await svc.start();
    app.set(name, svc);
  }
  return app;
}

export interface TrafficOptions {
  baseRps: number;
  /** Period of the compressed "day", in ms. */
  periodMs: number;
  durationMs: number;
  maxRps: number;
}

/**
 * Sends GET /api to the frontend at baseRps * (1 + 0.5 sin(2 pi t / period)) plus 10% noise, bounded by maxRps
 * and durationMs. dropTraffic() lets the traffic-drop fault cut the rate to 5% of normal.
 */
export function startTraffic(port: number, opts: TrafficOptions, dropTraffic: () => boolean): { stop: () => void; done: Promise<void> } {
  const t0 = Date.now();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let finish: () => void = () => {};
  const done = new Promise<void>((r) => { finish = r; });
  const step = (): void => {
    const t = Date.now() - t0;
    if (stopped || t >= opts.durationMs) { finish(); return; }
    let rps = opts.baseRps * (1 + 0.5 * Math.sin((2 * Math.PI * t) / opts.periodMs)) * (0.9 + Math.random() * 0.2);
    if (dropTraffic()) rps *= 0.05;
    rps = Math.min(Math.max(rps, 0.2), opts.maxRps);
    void callDownstream(port, 20_000);
    timer = setTimeout(step, 1000 / rps);
  };
  step();
  return { stop: () => { stopped = true; if (timer) clearTimeout(timer); finish(); }, done };
}
