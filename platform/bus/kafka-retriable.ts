// Which kafkajs response errors kafkajs retries on its own. The table is kafkajs' protocol error
// list (code, type, retriable, message); it is not exported from the package's typed entry, so it
// is read from the file that defines it, pinned by the kafkajs major version in package.json.
import { createRequire } from 'node:module';

interface ProtocolError {
  type: string;
  retriable: boolean;
  message: string;
}

const require = createRequire(import.meta.url);

function loadRetriableMessages(): ReadonlySet<string> {
  try {
    const table = (require('kafkajs/src/protocol/error.js') as { errorCodes: ProtocolError[] }).errorCodes;
    return new Set(table.filter((e) => e.retriable).map((e) => e.message));
  } catch {
    // A kafkajs that moved the table: fall back to the errors of a leader election.
    return new Set([
      'This server is not the leader for that topic-partition',
      'There is no leader for this topic-partition as we are in the middle of a leadership election',
    ]);
  }
}

const RETRIABLE = loadRetriableMessages();

export function isRetriedByKafkajs(errorMessage: string): boolean {
  return RETRIABLE.has(errorMessage);
}
