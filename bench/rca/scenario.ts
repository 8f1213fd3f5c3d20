// Reads a PetShop-layout root-cause scenario (see the PetShop README in the shared bench folder):
//   graph.csv                 square 0/1 call matrix, 1 at (row R, column C) = R calls C
//   noissue/metrics.csv       normal operation (optional)
//   cases/<case>/metrics.csv  a few rows around one incident
//   cases/<case>/alert.json   {"node","metric","agg","timestamp"}: the user-facing alert
// labels.json is never opened here: the scorer (score.ts) is the only reader of ground truth.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AiopsError } from '../../platform/errors/aiops-error.js';

export interface CallGraph {
  nodes: string[];
  /** [caller, callee] pairs. */
  edges: Array<[string, string]>;
}

/** One column of a metrics file: a node's metric and statistic, values by row (NaN = empty cell). */
export interface SeriesColumn {
  node: string;
  metric: string;
  stat: string;
  values: number[];
}

export interface MetricsTable {
  /** Unix milliseconds, one per row. */
  ts: number[];
  columns: SeriesColumn[];
}

export interface RcaAlert {
  node: string;
  metric: string;
  agg?: string;
  /** Unix milliseconds. */
  ts: number;
}

export interface RcaCase {
  name: string;
  metrics: MetricsTable;
  alert: RcaAlert;
}

export interface RcaScenario {
  dir: string;
  graph: CallGraph;
  normal?: MetricsTable;
  cases: RcaCase[];
}

function fail(code: 'INPUT_NOT_FOUND' | 'INPUT_INVALID', msg: string): never {
  throw new AiopsError(code, msg);
}

export function parseGraphCsv(text: string, file = 'graph.csv'): CallGraph {
  const rows = text.split(/\r?\n/).filter((l) => l.trim() !== '').map((l) => l.split(','));
  const header = rows[0];
  if (!header || header.length < 2) fail('INPUT_INVALID', `${file}: empty or without a header row`);
  const nodes = header.slice(1).map((s) => s.trim());
  const edges: Array<[string, string]> = [];
  const known = new Set(nodes);
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r]!;
    const from = row[0]?.trim() ?? '';
    if (!known.has(from)) fail('INPUT_INVALID', `${file}: row ${r + 1} names ${JSON.stringify(from)}, which is not a column`);
    if (row.length !== header.length) fail('INPUT_INVALID', `${file}: row ${r + 1} has ${row.length} cells, the header ${header.length}`);
    for (let c = 1; c < row.length; c++) {
      const cell = row[c]!.trim();
      if (cell !== '0' && cell !== '1' && cell !== '0.0' && cell !== '1.0' && cell !== '') fail('INPUT_INVALID', `${file}: row ${r + 1} column ${c + 1} is ${JSON.stringify(cell)}, expected 0 or 1`);
      if (cell.startsWith('1')) edges.push([from, nodes[c - 1]!]);
    }
  }
  return { nodes, edges };
}

export function parseMetricsCsv(text: string, file = 'metrics.csv'): MetricsTable {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const [nodeRow, metricRow, statRow, tsRow] = lines.slice(0, 4).map((l) => l.split(','));
  if (!nodeRow || !metricRow || !statRow || !tsRow || tsRow[0]?.trim() !== 'unix_timestamp') {
    fail('INPUT_INVALID', `${file}: expected three header rows (node, metric, statistic) and a unix_timestamp row`);
  }
  const width = nodeRow.length;
  if (metricRow.length !== width || statRow.length !== width) fail('INPUT_INVALID', `${file}: header rows differ in width`);
  const columns: SeriesColumn[] = [];
  for (let c = 1; c < width; c++) columns.push({ node: nodeRow[c]!.trim(), metric: metricRow[c]!.trim(), stat: statRow[c]!.trim(), values: [] });
  const ts: number[] = [];
  for (let i = 4; i < lines.length; i++) {
    const cells = lines[i]!.split(',');
    if (cells.length !== width) fail('INPUT_INVALID', `${file}: line ${i + 1} has ${cells.length} cells, the header ${width}`);
    const t = Number(cells[0]);
    if (!Number.isFinite(t) || cells[0]!.trim() === '') fail('INPUT_INVALID', `${file}: line ${i + 1} has no unix timestamp`);
    ts.push(Math.round(t * 1000));
    for (let c = 1; c < width; c++) {
      const cell = cells[c]!.trim();
      const v = cell === '' ? NaN : Number(cell);
      columns[c - 1]!.values.push(Number.isFinite(v) ? v : NaN);
    }
  }
  if (ts.length === 0) fail('INPUT_INVALID', `${file}: no data rows`);
  return { ts, columns };
}

export function parseAlert(text: string, file = 'alert.json'): RcaAlert {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    fail('INPUT_INVALID', `${file}: not JSON (${(e as Error).message})`);
  }
  const o = j as Record<string, unknown>;
  if (typeof o !== 'object' || o === null || typeof o.node !== 'string' || typeof o.metric !== 'string' || typeof o.timestamp !== 'number') {
    fail('INPUT_INVALID', `${file}: expected {"node": string, "metric": string, "timestamp": unix seconds}`);
  }
  const alert: RcaAlert = { node: o.node, metric: o.metric, ts: Math.round(o.timestamp * 1000) };
  if (typeof o.agg === 'string') alert.agg = o.agg;
  return alert;
}

const read = (p: string) => readFileSync(p, 'utf8');

/** Reads the whole scenario; every problem names the file it is in. */
export function readScenario(dir: string): RcaScenario {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) fail('INPUT_NOT_FOUND', `scenario directory not found: ${dir}`);
  const graphFile = join(dir, 'graph.csv');
  if (!existsSync(graphFile)) fail('INPUT_NOT_FOUND', `${graphFile} not found (a scenario holds graph.csv and cases/<case>/)`);
  const graph = parseGraphCsv(read(graphFile), graphFile);
  const normalFile = join(dir, 'noissue', 'metrics.csv');
  const casesDir = join(dir, 'cases');
  if (!existsSync(casesDir)) fail('INPUT_NOT_FOUND', `${casesDir} not found`);
  const cases: RcaCase[] = [];
  for (const name of readdirSync(casesDir).sort()) {
    const cdir = join(casesDir, name);
    if (!statSync(cdir).isDirectory()) continue;
    const mf = join(cdir, 'metrics.csv');
    const af = join(cdir, 'alert.json');
    if (!existsSync(mf)) fail('INPUT_NOT_FOUND', `${mf} not found`);
    if (!existsSync(af)) fail('INPUT_NOT_FOUND', `${af} not found`);
    cases.push({ name, metrics: parseMetricsCsv(read(mf), mf), alert: parseAlert(read(af), af) });
  }
  if (cases.length === 0) fail('INPUT_INVALID', `${casesDir} holds no case folders`);
  const scenario: RcaScenario = { dir, graph, cases };
  if (existsSync(normalFile)) scenario.normal = parseMetricsCsv(read(normalFile), normalFile);
  return scenario;
}
