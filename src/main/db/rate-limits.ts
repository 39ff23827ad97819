import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitOutcome, RateLimitPolicy, RateLimits } from '../services/ports';
import type { PgShapedClient } from './database';

interface Policy {
  points: number;
  durationSeconds: number;
  blockSeconds: number;
  /**
   * Backoff: each time the key is blocked again within a day, the block doubles (blockSeconds, 2×,
   * 4× …) up to this many seconds. Without it every block lasts blockSeconds.
   */
  maxBlockSeconds?: number;
}

/** Calls allowed per window, and how long a key that used them up must wait. */
const POLICIES: Record<RateLimitPolicy, Policy> = {
  'login.address': { points: 30, durationSeconds: 60, blockSeconds: 60 },
  'login.account': { points: 5, durationSeconds: 60, blockSeconds: 300 },
  'register.address': { points: 20, durationSeconds: 600, blockSeconds: 600 },
  'register.account': { points: 5, durationSeconds: 600, blockSeconds: 600 },
  'refresh.address': { points: 120, durationSeconds: 60, blockSeconds: 60 },
  'money.user': { points: 60, durationSeconds: 60, blockSeconds: 60 },
  // Staff sign-in (auth.login), counted per call, so a batch of calls in one request counts each.
  'staff-login.address': { points: 20, durationSeconds: 60, blockSeconds: 60, maxBlockSeconds: 3600 },
  'staff-login.account': { points: 5, durationSeconds: 300, blockSeconds: 60, maxBlockSeconds: 3600 },
};

const STRIKES_KEPT_SECONDS = 24 * 60 * 60;

/**
 * rate-limiter-flexible over our own database (its PostgreSQL store, on PGlite too), so every host of
 * a deployment counts in the same place. Each call is one atomic statement (INSERT … ON CONFLICT …
 * RETURNING); its Prisma store took two Prisma calls, a delete of an ended window and an upsert, which
 * cost 0.6–0.8 ms of CPU per money-moving API call. The table is the migrations' (RateLimitWindow).
 * `factor` scales every allowance (LINGUAFLEX_RATE_LIMIT_FACTOR, e.g. for a load test from one address).
 */
export function createRateLimits(client: PgShapedClient, factor = 1): RateLimits {
  const make = (keyPrefix: string, points: number, duration: number, blockDuration: number) =>
    new RateLimiterPostgres({
      storeClient: client,
      storeType: 'client',
      tableName: 'RateLimitWindow',
      tableCreated: true,
      keyPrefix,
      points,
      duration,
      blockDuration,
    });
  const limiters = new Map(
    Object.entries(POLICIES).map(([policy, rule]) => {
      const points = Math.max(1, Math.round(rule.points * factor));
      return [
        policy as RateLimitPolicy,
        {
          rule,
          points,
          // With backoff the block is set here (it depends on the strikes), not by the library.
          limiter: make(policy, points, rule.durationSeconds, rule.maxBlockSeconds ? 0 : rule.blockSeconds),
          strikes: rule.maxBlockSeconds ? make(`${policy}:strikes`, 1_000_000, STRIKES_KEPT_SECONDS, 0) : null,
        },
      ] as const;
    }),
  );
  const entry = (policy: RateLimitPolicy) => {
    const found = limiters.get(policy);
    if (!found) throw new Error(`No rate limit policy ${policy}`);
    return found;
  };
  return {
    async consume(policy, key): Promise<RateLimitOutcome> {
      const { rule, points, limiter, strikes } = entry(policy);
      try {
        await limiter.consume(key);
        return { allowed: true };
      } catch (refusal) {
        if (!(refusal instanceof RateLimiterRes)) throw refusal;
        // The one call that used the allowance up (the store counts atomically) sets the block.
        if (strikes && rule.maxBlockSeconds && refusal.consumedPoints === points + 1) {
          const strike = (await strikes.penalty(key, 1)).consumedPoints;
          const seconds = Math.min(rule.maxBlockSeconds, rule.blockSeconds * 2 ** Math.max(0, strike - 1));
          await limiter.block(key, seconds);
          return { allowed: false, retryAfterSeconds: seconds };
        }
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(refusal.msBeforeNext / 1000)) };
      }
    },
    async reset(policy, key): Promise<void> {
      await entry(policy).limiter.delete(key);
    },
    async giveBack(policy, key): Promise<void> {
      await entry(policy).limiter.reward(key, 1);
    },
  };
}
