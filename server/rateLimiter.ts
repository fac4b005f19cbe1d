/**
 * Token buckets per principal: each holds up to `perMinute` requests and refills continuously,
 * so bursts up to the limit pass and a sustained rate above it is refused. The number of buckets
 * is bounded: past `maxKeys`, buckets that have refilled (indistinguishable from new ones) are
 * dropped, and if that is not enough the oldest, so a flood of distinct keys (addresses, bogus
 * keys) cannot grow memory without bound.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number; perMinute: number }>();

  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly maxKeys = 10_000,
  ) {}

  /** Takes one token from `key`'s bucket; false when it is empty. */
  take(key: string, perMinute: number): boolean {
    const b = this.refill(key, perMinute);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Whether `key` has a token left, without taking it. */
  has(key: string, perMinute: number): boolean {
    return this.refill(key, perMinute).tokens >= 1;
  }

  get size(): number {
    return this.buckets.size;
  }

  private refill(key: string, perMinute: number): { tokens: number; at: number; perMinute: number } {
    const t = this.now();
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= this.maxKeys) this.sweep(t);
      b = { tokens: perMinute, at: t, perMinute };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(perMinute, b.tokens + ((t - b.at) / 60_000) * perMinute);
    b.at = t;
    b.perMinute = perMinute;
    return b;
  }

  private sweep(t: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((t - b.at) / 60_000) * b.perMinute >= b.perMinute) this.buckets.delete(key);
    }
    // Still full: drop the oldest (insertion order) down to three quarters.
    for (const key of this.buckets.keys()) {
      if (this.buckets.size < (this.maxKeys * 3) / 4) break;
      this.buckets.delete(key);
    }
  }
}
