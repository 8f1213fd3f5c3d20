// Normal-distribution helpers: complementary error function and Gaussian tail probabilities.

const TWO_OVER_SQRT_PI = 1.1283791670955126;

/**
 * erfc(x) to near machine precision: Maclaurin series of erf for |x| < 2, Lentz continued fraction
 * for the tail. Precision matters: NAB picks its threshold among scores within 1e-12 of 1.
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const z = Math.abs(x);
  let r: number;
  if (z < 2) {
    // erf(z) = 2/sqrt(pi) * sum_n (-1)^n z^(2n+1) / (n! (2n+1))
    const z2 = z * z;
    let term = z;
    let sum = z;
    for (let n = 1; n < 60; n++) {
      term *= -z2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    r = 1 - TWO_OVER_SQRT_PI * sum;
  } else if (z > 27) {
    r = 0;
  } else {
    // erfc(z) = exp(-z^2)/sqrt(pi) * 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + 2/(z + ...)))))
    const tiny = 1e-300;
    let f = z;
    let c = z;
    let d = 0;
    for (let k = 1; k < 300; k++) {
      const a = k / 2;
      d = z + a * d;
      if (d === 0) d = tiny;
      c = z + a / c;
      if (c === 0) c = tiny;
      d = 1 / d;
      const delta = c * d;
      f *= delta;
      if (Math.abs(delta - 1) < 1e-16) break;
    }
    r = Math.exp(-z * z) / (f * 1.7724538509055159);
  }
  return x >= 0 ? r : 2 - r;
}

/** P(X <= x) for X ~ N(mean, stdev^2). */
export function normalCdf(x: number, mean: number, stdev: number): number {
  return 0.5 * erfc(-(x - mean) / (stdev * Math.SQRT2));
}

/** Upper-tail probability Q(z) = P(Z > z) of the standard normal. */
export function normalTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}
