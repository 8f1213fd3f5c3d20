// The log error-ratio signal pages on a burst of error lines, not on one error on a quiet service.
import { describe, expect, it } from 'vitest';
import { SeriesBank, detectBatch } from '../../detectors/stage.js';
import { MIN_ERROR_LINES } from '../../detectors/log-error-rate.js';
import type { LogRecord } from '../../platform/contracts/events.js';

const T0 = Date.UTC(2026, 10, 1);
let n = 0;
const line = (minute: number, error: boolean): LogRecord => ({
  id: `l${n++}`, tenant: 'default', ts: T0 + minute * 60_000 + (n % 50) * 100, service: 'quiet', severity: error ? 'error' : 'info', body: error ? 'payment failed' : 'ok', attributes: {},
});

/** Four info lines a minute for `minutes` minutes, then the given error lines in the next minute. */
async function run(errorsInLastMinute: number, minutes = 400): Promise<number> {
  const bank = new SeriesBank(undefined);
  const logs: LogRecord[] = [];
  for (let m = 0; m < minutes; m++) for (let i = 0; i < 4; i++) logs.push(line(m, false));
  for (let i = 0; i < errorsInLastMinute; i++) logs.push(line(minutes, true));
  for (let i = 0; i < 4; i++) logs.push(line(minutes + 1, false)); // closes the last minute's bucket
  const anomalies = await detectBatch(bank, [], logs);
  return anomalies.filter((a) => a.subject === 'log_error_ratio' && a.ts === T0 + (minutes + 1) * 60_000).length;
}

describe('log error ratio', () => {
  it('does not page on a single error line among a handful', async () => {
    expect(await run(1)).toBe(0);
  });

  it(`pages on a burst of ${MIN_ERROR_LINES} or more error lines`, async () => {
    expect(await run(MIN_ERROR_LINES + 3)).toBe(1);
  });
});
