import { DomainError } from './errors';
import { assertMinorUnits, checkedSum, CURRENCIES, divideRoundHalfUp, parseCurrency, type CurrencyCode } from './money';

export const DEFAULT_FEE_RATE_BPS = 500; // R4: 5 %
export const MIN_SESSION_MINUTES = 15;
export const MAX_SESSION_MINUTES = 240;
export const SESSION_MINUTES_STEP = 15;

export interface QuoteInput {
  hourlyRateMinor: number;
  minutes: number;
  currency: string;
  /** Platform fee in basis points (1/100 of a percent); default 500 = 5 %. */
  feeRateBps?: number;
  /** Minimum platform fee in minor units; default per currency (R4). */
  minimumFeeMinor?: number;
}

export interface Quote {
  currency: CurrencyCode;
  minutes: number;
  hourlyRateMinor: number;
  baseMinor: number;
  feeMinor: number;
  totalMinor: number;
  teacherMinor: number;
  platformMinor: number;
  feeRateBps: number;
  minimumFeeMinor: number;
}

export function assertSessionMinutes(minutes: unknown): asserts minutes is number {
  if (
    typeof minutes !== 'number' ||
    !Number.isInteger(minutes) ||
    minutes < MIN_SESSION_MINUTES ||
    minutes > MAX_SESSION_MINUTES ||
    minutes % SESSION_MINUTES_STEP !== 0
  ) {
    throw new DomainError(
      'VALIDATION',
      `Session length must be ${MIN_SESSION_MINUTES}–${MAX_SESSION_MINUTES} minutes in steps of ${SESSION_MINUTES_STEP}, got ${String(minutes)}`,
      { field: 'minutes' },
    );
  }
}

/**
 * R3–R5. base = roundHalfUp(rate × minutes / 60); fee = max(roundHalfUp(base × bps / 10 000), minimum);
 * total = base + fee; the teacher earns base, the platform earns fee. Rounding happens exactly once per
 * amount, in integers.
 */
export function quoteSession(input: QuoteInput): Quote {
  const currency = parseCurrency(input.currency);
  assertMinorUnits(input.hourlyRateMinor, 'hourlyRateMinor');
  assertSessionMinutes(input.minutes);
  const feeRateBps = input.feeRateBps ?? DEFAULT_FEE_RATE_BPS;
  if (!Number.isInteger(feeRateBps) || feeRateBps < 0 || feeRateBps > 10_000) {
    throw new DomainError('VALIDATION', `feeRateBps must be a whole number from 0 to 10000, got ${feeRateBps}`, {
      field: 'feeRateBps',
    });
  }
  const minimumFeeMinor = input.minimumFeeMinor ?? CURRENCIES[currency].defaultMinimumFeeMinor;
  assertMinorUnits(minimumFeeMinor, 'minimumFeeMinor');

  const baseMinor = divideRoundHalfUp(BigInt(input.hourlyRateMinor) * BigInt(input.minutes), 60n, 'session price');
  const percentFee = divideRoundHalfUp(BigInt(baseMinor) * BigInt(feeRateBps), 10_000n, 'platform fee');
  const feeMinor = Math.max(percentFee, minimumFeeMinor);
  const totalMinor = checkedSum([baseMinor, feeMinor], 'session total');

  return {
    currency,
    minutes: input.minutes,
    hourlyRateMinor: input.hourlyRateMinor,
    baseMinor,
    feeMinor,
    totalMinor,
    teacherMinor: baseMinor,
    platformMinor: feeMinor,
    feeRateBps,
    minimumFeeMinor,
  };
}
