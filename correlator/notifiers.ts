// Where notifications go: plain webhooks (the incident as JSON) and PagerDuty Events API v2
// (dedup_key = incident id, so PagerDuty folds our repeats and updates into one PagerDuty
// incident and a resolve closes it). Delivery failures are reported, never thrown past the
// stage: the policy keeps the notification due and it is retried on the next tick.
import { createHash } from 'node:crypto';
import type { Incident } from '../platform/contracts/events.js';
import { AiopsError } from '../platform/errors/aiops-error.js';
import type { Notification } from './notification-policy.js';

export interface Owner {
  team?: string;
  owner?: string;
}

export interface Notifier {
  /** The kind of destination (a metric label). */
  readonly name: string;
  /**
   * Stable across restarts and replicas, and free of secrets: the notification log's receiver.
   * Derived from the URL or routing key, so two replicas configured alike agree on it.
   */
  readonly receiver: string;
  send(n: Notification, ownerOf: (service: string) => Owner): Promise<void>;
}

const TIMEOUT_MS = 10_000;

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    throw new AiopsError('NOTIFY_FAILED', `POST ${url} failed: ${(err as Error).message}`, undefined, { cause: err });
  }
  if (!res.ok) throw new AiopsError('NOTIFY_FAILED', `POST ${url} answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
}

/** The incident's title says what broke (correlator/incident-title.ts); PagerDuty takes 1,024 characters. */
const summary = (i: Incident): string => i.title.slice(0, 1024);

/** A short digest: URLs (Slack's, for one) and routing keys are secrets and stay out of the store. */
const digest = (secret: string): string => createHash('sha256').update(secret).digest('hex').slice(0, 12);

export class WebhookNotifier implements Notifier {
  readonly name = 'webhook';
  readonly receiver: string;
  /** `receiver`: the routes file's name for it; else one derived from the URL. */
  constructor(private readonly url: string, receiver?: string) {
    this.receiver = receiver ?? `webhook-${digest(url)}`;
  }

  async send(n: Notification, ownerOf: (service: string) => Owner): Promise<void> {
    const top = n.incident.rootCauses[0];
    await post(this.url, {
      version: '1',
      kind: n.kind,
      summary: summary(n.incident),
      owner: top ? ownerOf(top.service) : {},
      incident: n.incident,
    });
  }
}

export class PagerDutyNotifier implements Notifier {
  readonly name = 'pagerduty';
  readonly receiver: string;
  constructor(private readonly routingKey: string, private readonly url = 'https://events.pagerduty.com/v2/enqueue', receiver?: string) {
    this.receiver = receiver ?? `pagerduty-${digest(routingKey)}`;
  }

  async send(n: Notification, ownerOf: (service: string) => Owner): Promise<void> {
    const i = n.incident;
    if (n.kind === 'resolve') {
      await post(this.url, { routing_key: this.routingKey, event_action: 'resolve', dedup_key: i.id });
      return;
    }
    const top = i.rootCauses[0];
    const owner = top ? ownerOf(top.service) : {};
    await post(this.url, {
      routing_key: this.routingKey,
      event_action: 'trigger',
      dedup_key: i.id,
      payload: {
        summary: summary(i),
        source: top?.service ?? i.services[0] ?? 'aiops',
        severity: i.userFacing.length > 0 ? 'critical' : 'error',
        timestamp: new Date(i.openedAt).toISOString(),
        component: top?.service,
        group: owner.team,
        class: 'aiops-incident',
        custom_details: {
          notification: n.kind,
          owner: owner.owner,
          affected: i.services,
          user_facing: i.userFacing,
          anomalies: i.anomalyCount,
          ranked_root_causes: i.rootCauses.slice(0, 5).map((c) => ({ service: c.service, score: c.score, reasons: c.reasons, path: c.path })),
          grouping: i.groupingReasons.slice(0, 10),
        },
      },
    });
  }
}
