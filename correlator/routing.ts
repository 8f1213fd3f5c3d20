// The routing tree (AIOPS_NOTIFY_ROUTES_FILE), Alertmanager's semantics: an incident enters at the
// root route and goes down the first child whose matchers all hold, and on to the next sibling
// only when that child says `continue`; a route none of whose children matched is where it
// lands. Each landing route names a receiver, and its timings (group wait, interval, repeat) are
// its own or inherited from its parent. The file is checked as a whole at start: every problem is
// reported at once, with where it is.
import { readFileSync } from 'node:fs';
import type { Incident } from '../platform/contracts/events.js';
import { AiopsError } from '../platform/errors/aiops-error.js';
import type { NotificationTiming } from './notification-policy.js';
import { PagerDutyNotifier, WebhookNotifier, type Notifier } from './notifiers.js';

export interface PagerDutyReceiver { routingKey: string; url?: string }
export interface WebhookReceiver { url: string }
export interface ReceiverSpec { name: string; pagerduty?: PagerDutyReceiver; webhook?: WebhookReceiver }

export interface Matcher { label: string; op: '=' | '!=' | '=~' | '!~'; value: string; re?: RegExp }

export interface Route {
  receiver: string;
  matchers: Matcher[];
  continue: boolean;
  timing: NotificationTiming;
  routes: Route[];
  /** Where it is in the file: `route`, `route.routes[1]`, ... */
  path: string;
}

export interface RoutingTree { receivers: ReceiverSpec[]; route: Route }

/** Where an incident lands: the receiver, its timings and the route that chose it. */
export interface RouteMatch { receiver: string; timing: NotificationTiming; path: string }

/**
 * What routes match on, from the incident and the topology: `tenant`; `service` and `team` of the
 * top root cause; `severity` (`critical` when a user-facing service is affected, else `error`, as
 * PagerDuty's severity); `signal`, the top cause's signals; `affected`, every affected service.
 * A label with several values matches `=` / `=~` when one does, `!=` / `!~` when none does.
 */
export type RouteLabels = Record<string, readonly string[]>;

export function incidentLabels(i: Incident, teamOf: (service: string) => string | undefined): RouteLabels {
  const top = i.rootCauses[0]?.service ?? i.services[0];
  const team = top ? teamOf(top) : undefined;
  return {
    tenant: [i.tenant],
    service: top ? [top] : [],
    team: team ? [team] : [],
    severity: [i.userFacing.length > 0 ? 'critical' : 'error'],
    signal: i.rootCauses[0]?.signals ?? [],
    affected: i.services,
  };
}

const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;
export const ROUTE_LABELS = ['tenant', 'service', 'team', 'severity', 'signal', 'affected'];

/** `team=payments`, `severity!=error`, `service=~"checkout|cart"` (quotes optional; regexes anchored). */
export function parseMatcher(text: string, where: string, problems: string[]): Matcher | undefined {
  const m = MATCHER.exec(text);
  if (!m) {
    problems.push(`${where}: ${JSON.stringify(text)} is not a matcher: write label=value, label!=value, label=~regex or label!~regex`);
    return undefined;
  }
  const [, label, op, raw] = m as unknown as [string, string, Matcher['op'], string];
  if (!ROUTE_LABELS.includes(label)) problems.push(`${where}: unknown label ${JSON.stringify(label)}; routes match on ${ROUTE_LABELS.join(', ')}`);
  const value = /^".*"$/.test(raw) ? raw.slice(1, -1) : raw;
  if (op === '=~' || op === '!~') {
    try {
      return { label, op, value, re: new RegExp(`^(?:${value})$`) };
    } catch (err) {
      problems.push(`${where}: ${JSON.stringify(value)} is not a regular expression (${(err as Error).message})`);
      return undefined;
    }
  }
  return { label, op, value };
}

const holds = (m: Matcher, labels: RouteLabels): boolean => {
  const values = labels[m.label] ?? [];
  const one = (v: string) => (m.re ? m.re.test(v) : v === m.value);
  // An absent label is the empty string, as in Alertmanager: `team=""` matches no team.
  const any = values.length === 0 ? one('') : values.some(one);
  return m.op === '=' || m.op === '=~' ? any : !any;
};

/** Every receiver the incident reaches, in tree order; a receiver reached twice is listed once. */
export function matchRoutes(tree: RoutingTree, labels: RouteLabels): RouteMatch[] {
  const out: RouteMatch[] = [];
  const walk = (r: Route): boolean => {
    if (!r.matchers.every((m) => holds(m, labels))) return false;
    let matchedChild = false;
    for (const child of r.routes) {
      if (!walk(child)) continue;
      matchedChild = true;
      if (!child.continue) break;
    }
    if (!matchedChild && !out.some((o) => o.receiver === r.receiver)) out.push({ receiver: r.receiver, timing: r.timing, path: r.path });
    return true;
  };
  walk(tree.route);
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const httpUrl = (v: unknown): boolean => {
  try {
    return typeof v === 'string' && ['http:', 'https:'].includes(new URL(v).protocol);
  } catch {
    return false;
  }
};
const TIMINGS: Array<[keyof NotificationTiming, number, number]> = [['groupWaitMs', 0, 86_400_000], ['groupIntervalMs', 0, 86_400_000], ['repeatIntervalMs', 1_000, 30 * 86_400_000]];

function parseReceivers(doc: Record<string, unknown>, problems: string[]): ReceiverSpec[] {
  if (!Array.isArray(doc.receivers) || doc.receivers.length === 0) {
    problems.push('receivers: required, a list of receivers, each {"name": ..., "pagerduty": {"routingKey": ...}} or {"name": ..., "webhook": {"url": ...}}');
    return [];
  }
  const out: ReceiverSpec[] = [];
  const names = new Set<string>();
  doc.receivers.forEach((r: unknown, i: number) => {
    const where = `receivers[${i}]`;
    if (!isObject(r)) return void problems.push(`${where}: expected an object`);
    const name = r.name;
    if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(name)) problems.push(`${where}.name: required, 1..64 of A-Z a-z 0-9 _ . -`);
    else if (names.has(name)) problems.push(`${where}.name: ${JSON.stringify(name)} is named twice; receiver names are unique`);
    else names.add(name);
    const kinds = ['pagerduty', 'webhook'].filter((k) => r[k] !== undefined);
    if (kinds.length !== 1) problems.push(`${where}: needs exactly one of pagerduty, webhook (has ${kinds.length === 0 ? 'none' : kinds.join(' and ')})`);
    for (const k of Object.keys(r)) if (!['name', 'pagerduty', 'webhook'].includes(k)) problems.push(`${where}.${k}: unknown field`);
    const spec: ReceiverSpec = { name: String(name) };
    if (r.pagerduty !== undefined) {
      const pd = r.pagerduty;
      if (!isObject(pd) || typeof pd.routingKey !== 'string' || pd.routingKey.length === 0) problems.push(`${where}.pagerduty.routingKey: required, the Events API v2 integration key`);
      else if (pd.url !== undefined && !httpUrl(pd.url)) problems.push(`${where}.pagerduty.url: not an http(s) URL`);
      else spec.pagerduty = { routingKey: pd.routingKey, ...(typeof pd.url === 'string' ? { url: pd.url } : {}) };
    }
    if (r.webhook !== undefined) {
      if (!isObject(r.webhook) || !httpUrl(r.webhook.url)) problems.push(`${where}.webhook.url: required, an http(s) URL`);
      else spec.webhook = { url: r.webhook.url as string };
    }
    out.push(spec);
  });
  return out;
}

function parseRoute(r: unknown, path: string, parent: NotificationTiming, receivers: ReadonlySet<string>, problems: string[], root: boolean): Route | undefined {
  if (!isObject(r)) {
    problems.push(`${path}: expected an object`);
    return undefined;
  }
  for (const k of Object.keys(r)) if (!['receiver', 'matchers', 'continue', 'routes', ...TIMINGS.map((t) => t[0])].includes(k)) problems.push(`${path}.${k}: unknown field`);
  const timing = { ...parent };
  for (const [key, min, max] of TIMINGS) {
    const v = r[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) problems.push(`${path}.${key}: an integer of milliseconds from ${min} to ${max}`);
    else timing[key] = v;
  }
  const receiver = r.receiver ?? (root ? undefined : '');
  if (root && typeof receiver !== 'string') problems.push(`${path}.receiver: required on the root route (the default receiver)`);
  if (typeof receiver === 'string' && receiver !== '' && !receivers.has(receiver)) problems.push(`${path}.receiver: ${JSON.stringify(receiver)} is not one of the receivers (${[...receivers].join(', ')})`);
  const matcherTexts = r.matchers ?? [];
  if (!Array.isArray(matcherTexts) || matcherTexts.some((m) => typeof m !== 'string')) problems.push(`${path}.matchers: a list of strings such as "team=payments"`);
  if (root && Array.isArray(matcherTexts) && matcherTexts.length > 0) problems.push(`${path}.matchers: the root route matches every incident; put matchers on its routes`);
  const matchers = (Array.isArray(matcherTexts) ? matcherTexts : []).flatMap((m, i) => {
    const parsed = typeof m === 'string' ? parseMatcher(m, `${path}.matchers[${i}]`, problems) : undefined;
    return parsed ? [parsed] : [];
  });
  if (r.continue !== undefined && typeof r.continue !== 'boolean') problems.push(`${path}.continue: true or false`);
  const children = r.routes ?? [];
  if (!Array.isArray(children)) problems.push(`${path}.routes: a list of routes`);
  const route: Route = { receiver: typeof receiver === 'string' ? receiver : '', matchers, continue: r.continue === true, timing, routes: [], path };
  (Array.isArray(children) ? children : []).forEach((c: unknown, i: number) => {
    // A child without a receiver inherits its parent's.
    const child = parseRoute(isObject(c) && c.receiver === undefined ? { ...c, receiver: route.receiver } : c, `${path}.routes[${i}]`, timing, receivers, problems, false);
    if (child) route.routes.push(child);
  });
  return route;
}

/** Checks a routing document; `problems` lists everything wrong with it, each with its place. */
export function parseRoutingTree(doc: unknown, defaults: NotificationTiming): { tree?: RoutingTree; problems: string[] } {
  const problems: string[] = [];
  if (!isObject(doc)) return { problems: ['the routes file must hold a JSON object {"receivers": [...], "route": {...}}'] };
  for (const k of Object.keys(doc)) if (!['receivers', 'route'].includes(k)) problems.push(`${k}: unknown field`);
  const receivers = parseReceivers(doc, problems);
  if (doc.route === undefined) problems.push('route: required, the root route with the default receiver');
  const route = doc.route === undefined ? undefined : parseRoute(doc.route, 'route', defaults, new Set(receivers.map((r) => r.name)), problems, true);
  return problems.length > 0 || !route ? { problems } : { tree: { receivers, route }, problems };
}

/** Reads and checks a routes file; a missing or unparsable file is one problem, not an exception. */
export function loadRoutingTree(path: string, defaults: NotificationTiming, label = 'AIOPS_NOTIFY_ROUTES_FILE'): { tree?: RoutingTree; problems: string[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { problems: [`${label}: cannot read ${path} as JSON (${e.code ?? e.message})`] };
  }
  const { tree, problems } = parseRoutingTree(doc, defaults);
  return { ...(tree ? { tree } : {}), problems: problems.map((p) => `${label} ${path}: ${p}`) };
}

export interface RoutedReceivers {
  tree: RoutingTree;
  notifiers: Notifier[];
  /** Per receiver, the timings of the first route naming it, in file order. */
  timingOf(n: Notifier): NotificationTiming;
  /** The receivers an incident reaches, given the tenant's service owners. */
  reach(i: Incident, teamOf: (service: string) => string | undefined): ReadonlySet<string>;
}

/**
 * The receivers of a routes file, ready for the correlate stage; throws CONFIG_INVALID listing
 * every problem. The environment's receivers are not mixed in: with a routes file, each receiver
 * is named there (so a route can choose it).
 */
export function routedReceivers(path: string, defaults: NotificationTiming, envReceiversSet: boolean): RoutedReceivers {
  const { tree, problems } = loadRoutingTree(path, defaults);
  if (envReceiversSet) problems.push('AIOPS_NOTIFY_WEBHOOK_URLS / AIOPS_PAGERDUTY_ROUTING_KEY: not used with AIOPS_NOTIFY_ROUTES_FILE; name them as receivers in the routes file');
  if (!tree || problems.length > 0) throw new AiopsError('CONFIG_INVALID', `The notification routes are invalid:\n  - ${problems.join('\n  - ')}`, { problems });
  const notifiers: Notifier[] = tree.receivers.map((r) => (r.pagerduty ? new PagerDutyNotifier(r.pagerduty.routingKey, r.pagerduty.url, r.name) : new WebhookNotifier(r.webhook!.url, r.name)));
  // One set of timings per receiver: those of the first route naming it, in file order.
  const timings = new Map<string, NotificationTiming>();
  const visit = (r: Route) => {
    if (r.receiver && !timings.has(r.receiver)) timings.set(r.receiver, r.timing);
    r.routes.forEach(visit);
  };
  visit(tree.route);
  return {
    tree,
    notifiers,
    timingOf: (n) => timings.get(n.receiver) ?? defaults,
    reach: (i, teamOf) => new Set(matchRoutes(tree, incidentLabels(i, teamOf)).map((m) => m.receiver)),
  };
}
