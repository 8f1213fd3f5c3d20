// Reference baseline used to validate the NAB scorer: NAB's "windowedGaussian" detector, re-implemented
// from its description. Score = Gaussian CDF of the value under the mean and population standard
// deviation of the previous (up to) 1000 values (std floored at 1e-6); the first row scores 0.
// NAB ships this detector's results; on the dev subset they score 41.4 / 26.5 / 48.4.
import { normalCdf } from '../../detectors/metrics/normal-distribution.js';

export class WindowedGaussian {
  private readonly ring: Float64Array;
  private count = 0;
  private head = 0;
  private mean = 0;
  private std = 1;

  constructor(private readonly windowSize = 1000) {
    this.ring = new Float64Array(windowSize);
  }

  update(value: number): number {
    const score = this.count > 0 ? normalCdf(value, this.mean, this.std) : 0;
    this.ring[this.head] = value;
    this.head = (this.head + 1) % this.windowSize;
    if (this.count < this.windowSize) this.count++;
    // Exact two-pass statistics over the window (this is a validation tool, not a hot path).
    let sum = 0;
    for (let i = 0; i < this.count; i++) sum += this.ring[i] as number;
    const mean = sum / this.count;
    let ss = 0;
    for (let i = 0; i < this.count; i++) {
      const d = (this.ring[i] as number) - mean;
      ss += d * d;
    }
    this.mean = mean;
    this.std = Math.sqrt(ss / this.count) || 1e-6;
    return score;
  }
}
