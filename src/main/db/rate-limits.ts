import { RateLimiterPrisma, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitOutcome, RateLimitPolicy, RateLimits } from '../services/ports';
import type { PrismaClient } from './generated/client.ts';

/** Calls allowed per window, and how long a key that used them up must wait. */
const POLICIES: Record<RateLimitPolicy, { points: number; durationSeconds: number; blockSeconds: number }> = {
  'login.address': { points: 30, durationSeconds: 60, blockSeconds: 60 },
  'login.account': { points: 5, durationSeconds: 60, blockSeconds: 300 },
  'register.address': { points: 20, durationSeconds: 600, blockSeconds: 600 },
  'register.account': { points: 5, durationSeconds: 600, blockSeconds: 600 },
  'refresh.address': { points: 120, durationSeconds: 60, blockSeconds: 60 },
  'money.user': { points: 60, durationSeconds: 60, blockSeconds: 60 },
};

/**
 * rate-limiter-flexible over our own database (its Prisma store), so every host of a deployment
 * counts in the same place. `factor` scales every allowance (LINGUAFLEX_RATE_LIMIT_FACTOR, e.g. for a
 * load test from one address).
 */
export function createRateLimits(prisma: PrismaClient, factor = 1): RateLimits {
  const limiters = new Map(
    Object.entries(POLICIES).map(([policy, rule]) => [
      policy as RateLimitPolicy,
      new RateLimiterPrisma({
        storeClient: prisma,
        tableName: 'rateLimitCounter',
        keyPrefix: policy,
        points: Math.max(1, Math.round(rule.points * factor)),
        duration: rule.durationSeconds,
        blockDuration: rule.blockSeconds,
      }),
    ]),
  );
  const limiter = (policy: RateLimitPolicy) => {
    const found = limiters.get(policy);
    if (!found) throw new Error(`No rate limit policy ${policy}`);
    return found;
  };
  return {
    async consume(policy, key): Promise<RateLimitOutcome> {
      try {
        await limiter(policy).consume(key);
        return { allowed: true };
      } catch (refusal) {
        if (refusal instanceof RateLimiterRes)
          return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(refusal.msBeforeNext / 1000)) };
        throw refusal;
      }
    },
    async reset(policy, key): Promise<void> {
      await limiter(policy).delete(key);
    },
  };
}
