// Token buckets kept in this process's memory, for what one client may start: push streams per
// participant, signals per connection, device-test results per cookie. A bucket holds `burst`
// tokens and gains `perSecond`; a request takes one or is refused. The map is bounded, so a
// stranger inventing keys cannot grow it: past `maxKeys` the least recently used bucket goes.

export interface RateLimitOptions {
  burst: number;
  perSecond: number;
  maxKeys?: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly maxKeys: number;

  constructor(private readonly options: RateLimitOptions) {
    this.maxKeys = options.maxKeys ?? 50_000;
  }

  /**
   * Takes `cost` tokens for `key` (one request, or a number of bytes); false (and nothing taken)
   * when the bucket does not hold that many.
   */
  take(key: string, now = Date.now(), cost = 1): boolean {
    const bucket = this.buckets.get(key);
    const tokens = bucket ? Math.min(this.options.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.options.perSecond) : this.options.burst;
    // Re-inserting keeps the map in least-recently-used order.
    this.buckets.delete(key);
    if (tokens < cost) {
      this.buckets.set(key, { tokens, at: now });
      return false;
    }
    this.buckets.set(key, { tokens: tokens - cost, at: now });
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    return true;
  }

  /** Seconds until `key` has a token again, for Retry-After. */
  retryAfterSeconds(key: string, now = Date.now()): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return 0;
    const tokens = bucket.tokens + ((now - bucket.at) / 1000) * this.options.perSecond;
    return tokens >= 1 ? 0 : Math.ceil((1 - tokens) / this.options.perSecond);
  }
}

/** One limiter per name for the whole process (Next.js may load a module several times). */
export function sharedLimiter(name: string, options: RateLimitOptions): RateLimiter {
  const holder = globalThis as typeof globalThis & { __televisitLimiters?: Map<string, RateLimiter> };
  holder.__televisitLimiters ??= new Map();
  let limiter = holder.__televisitLimiters.get(name);
  if (!limiter) holder.__televisitLimiters.set(name, (limiter = new RateLimiter(options)));
  return limiter;
}
