import {
  CURRENCY_CODES,
  formatMoney,
  isCurrencyCode,
  minorToDecimalString,
  type CurrencyCode,
} from '../../shared/currency';
import { DomainError } from './errors';

/**
 * R1–R2: amounts are integers in the currency's minor unit; only these currencies exist.
 * The table (exponent, R4's default minimum fee) lives in src/shared/currency.ts, shared with the renderer.
 */
export { CURRENCIES, CURRENCY_CODES, isCurrencyCode, type CurrencyCode } from '../../shared/currency';

export function parseCurrency(code: string): CurrencyCode {
  if (!isCurrencyCode(code)) {
    throw new DomainError('UNKNOWN_CURRENCY', `Unknown currency "${code}"; supported: ${CURRENCY_CODES.join(', ')}`, {
      currency: code,
    });
  }
  return code;
}

/**
 * An amount as a person reads it in a message: "$16.01", "€20.00", "¥2,363" (formatted in its
 * currency, never bare minor units). Messages are English, so the English format; the renderer
 * formats what it shows itself in the viewer's locale.
 */
export function moneyText(amountMinor: number, currency: string | undefined): string {
  if (currency === undefined || !isCurrencyCode(currency) || !Number.isSafeInteger(amountMinor))
    return String(amountMinor);
  return formatMoney(amountMinor, currency, 'en-US');
}

/** Checks that `value` is an integer number of minor units, ≥ 0, within safe-integer range. */
export function assertMinorUnits(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new DomainError('VALIDATION', `${field} must be a whole number of minor units, got ${String(value)}`, {
      field,
    });
  }
  if (value < 0) {
    throw new DomainError('VALIDATION', `${field} must not be negative, got ${value}`, { field });
  }
  if (!Number.isSafeInteger(value)) {
    throw new DomainError('AMOUNT_TOO_LARGE', `${field} is too large (${value})`, { field });
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * roundHalfUp(numerator / denominator) for non-negative integers, in exact integer arithmetic
 * (BigInt, so intermediate products cannot lose precision). Throws AMOUNT_TOO_LARGE past safe integers.
 */
export function divideRoundHalfUp(numerator: bigint, denominator: bigint, what: string): number {
  if (denominator <= 0n || numerator < 0n) {
    throw new DomainError('VALIDATION', `Cannot compute ${what} from a negative amount`);
  }
  const quotient = (numerator * 2n + denominator) / (denominator * 2n);
  if (quotient > MAX_SAFE) {
    throw new DomainError('AMOUNT_TOO_LARGE', `The ${what} is too large to represent exactly`);
  }
  return Number(quotient);
}

export function checkedSum(values: readonly number[], what: string): number {
  const total = values.reduce((sum, value) => sum + BigInt(value), 0n);
  if (total > MAX_SAFE) {
    throw new DomainError('AMOUNT_TOO_LARGE', `The ${what} is too large to represent exactly`);
  }
  return Number(total);
}

/** A plain, locale-neutral rendering for emails and logs: "USD 78.75", "JPY 2363". */
export function formatMinor(amountMinor: number, currency: string): string {
  const code = parseCurrency(currency);
  return `${code} ${minorToDecimalString(amountMinor, code)}`;
}
