// A local HTTP receiver for the pipeline's webhook notifications: records each JSON body, so a
// test can count triggers and resolves per incident.
import { createServer, type IncomingMessage } from 'node:http';

export interface ReceivedNotification {
  kind: string;
  incident: { id: string; tenant: string; version: number; status: string };
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedNotification[];
  /** The request path of each delivery, in order. */
  paths: string[];
  /** Deliveries of a kind per incident id. */
  countPerIncident(kind: string): Map<string, number>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedNotification[] = [];
  const paths: string[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString('utf8')));
    req.on('end', () => {
      received.push(JSON.parse(data) as ReceivedNotification);
      paths.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`,
    received,
    paths,
    countPerIncident(kind) {
      const m = new Map<string, number>();
      for (const r of received) if (r.kind === kind) m.set(r.incident.id, (m.get(r.incident.id) ?? 0) + 1);
      return m;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
