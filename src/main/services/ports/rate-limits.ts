/** Limits on sign-in, registration, token refresh and calls that move money, shared by every host. */
export type RateLimitPolicy =
  | 'login.address'
  | 'login.account'
  | 'register.address'
  | 'register.account'
  | 'refresh.address'
  | 'money.user'
  | 'staff-login.address'
  | 'staff-login.account';

export type RateLimitOutcome = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimits {
  /** Counts one call against `policy` for `key`; refused once the policy's allowance is used up. */
  consume(policy: RateLimitPolicy, key: string): Promise<RateLimitOutcome>;
  /** Forgets `key`'s count (a successful sign-in clears the failures of that account). */
  reset(policy: RateLimitPolicy, key: string): Promise<void>;
  /** Gives one counted call back (a sign-in that succeeded does not count against its address). */
  giveBack(policy: RateLimitPolicy, key: string): Promise<void>;
}
