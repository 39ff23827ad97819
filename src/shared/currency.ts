/**
 * THE currency table (R1–R2, R4), shared by the main process and the renderer, and the only
 * conversions between integer minor units and decimal text. Plain TypeScript: no imports, no I/O.
 *
 * Money never passes through a float here: decimal text is built and read digit by digit (BigInt for
 * the arithmetic), and formatting hands Intl.NumberFormat the exact decimal string ("78.75"), which
 * it formats without converting to a double (Intl.NumberFormat v3, Node 20 and Chromium).
 */

interface CurrencyInfo {
  /** Digits after the decimal point: 2 for cents, 0 for yen and won (ISO 4217). */
  readonly exponent: number;
  /** R4's default platform-fee minimum, in minor units. */
  readonly defaultMinimumFeeMinor: number;
  /** Symbols a person may type before an amount (the code itself is always accepted too). */
  readonly symbols: readonly string[];
}

export const CURRENCIES = {
  USD: { exponent: 2, defaultMinimumFeeMinor: 100, symbols: ['$', 'US$'] },
  EUR: { exponent: 2, defaultMinimumFeeMinor: 100, symbols: ['€'] },
  GBP: { exponent: 2, defaultMinimumFeeMinor: 100, symbols: ['£'] },
  CAD: { exponent: 2, defaultMinimumFeeMinor: 100, symbols: ['$', 'CA$', 'C$'] },
  AUD: { exponent: 2, defaultMinimumFeeMinor: 100, symbols: ['$', 'A$', 'AU$'] },
  JPY: { exponent: 0, defaultMinimumFeeMinor: 100, symbols: ['¥', '￥', 'JP¥'] },
  KRW: { exponent: 0, defaultMinimumFeeMinor: 1000, symbols: ['₩', '￦'] },
} as const satisfies Record<string, CurrencyInfo>;

export type CurrencyCode = keyof typeof CURRENCIES;
export const CURRENCY_CODES = Object.keys(CURRENCIES) as CurrencyCode[];

export function isCurrencyCode(code: string): code is CurrencyCode {
  return Object.hasOwn(CURRENCIES, code);
}

function exponentOf(currency: CurrencyCode): number {
  // The type says it is known, but values arrive from the wire: check anyway.
  if (!isCurrencyCode(currency)) throw new RangeError(`Unknown currency "${String(currency)}"`);
  return CURRENCIES[currency].exponent;
}

function assertSafeMinor(minor: number): void {
  if (!Number.isSafeInteger(minor)) {
    throw new RangeError(`Money must be a whole number of minor units within safe-integer range, got ${minor}`);
  }
}

/** 7875 USD → "78.75", -5 USD → "-0.05", 2363 JPY → "2363". Exact for every safe integer. */
export function minorToDecimalString(minor: number, currency: CurrencyCode): string {
  assertSafeMinor(minor);
  const exponent = exponentOf(currency);
  const sign = minor < 0 ? '-' : '';
  // A safe integer prints as plain digits (no exponent notation below 1e21).
  const digits = String(Math.abs(minor));
  if (exponent === 0) return `${sign}${digits}`;
  const padded = digits.padStart(exponent + 1, '0');
  return `${sign}${padded.slice(0, -exponent)}.${padded.slice(-exponent)}`;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MAX_INPUT_LENGTH = 64;
const amountPatterns = new Map<number, RegExp>();

/** Digits with either no separators or correct thousands groups ("1,234"), then up to `exponent` decimals. */
function amountPattern(exponent: number): RegExp {
  let pattern = amountPatterns.get(exponent);
  if (!pattern) {
    const fraction = exponent > 0 ? `(?:\\.(\\d{1,${exponent}}))?` : '';
    pattern = new RegExp(`^(\\d{1,3}(?:,\\d{3})+|\\d+)${fraction}$`);
    amountPatterns.set(exponent, pattern);
  }
  return pattern;
}

/**
 * What a person types → minor units, or null when it is not an amount of `currency`.
 * Accepts "20", "20.00", "20.5", "1,234.50", "$20", "USD 20", "¥2363" (a leading code or one of the
 * currency's symbols, surrounding spaces). Refuses more decimals than the currency has, negatives,
 * empty or other text, misplaced thousands separators ("12,50" is not guessed at) and anything above
 * Number.MAX_SAFE_INTEGER minor units.
 */
export function parseDecimalToMinor(text: string, currency: CurrencyCode): number | null {
  if (!isCurrencyCode(currency)) return null;
  let rest = text.trim();
  if (rest.length === 0 || rest.length > MAX_INPUT_LENGTH) return null;
  const prefixes = [currency, ...CURRENCIES[currency].symbols].sort((a, b) => b.length - a.length);
  const prefix = prefixes.find((candidate) => rest.slice(0, candidate.length).toUpperCase() === candidate);
  if (prefix !== undefined) rest = rest.slice(prefix.length).trimStart();
  const exponent = CURRENCIES[currency].exponent;
  const match = amountPattern(exponent).exec(rest);
  if (!match) return null;
  const [, whole = '0', decimals = ''] = match;
  const fraction = decimals.padEnd(exponent, '0');
  const minor = BigInt(whole.replaceAll(',', '')) * 10n ** BigInt(exponent) + BigInt(fraction === '' ? '0' : fraction);
  return minor > MAX_SAFE ? null : Number(minor);
}

// Intl formatters are expensive to build and cheap to reuse (a virtualized table formats thousands of cells).
const formatters = new Map<string, Intl.NumberFormat>();

function moneyFormatter(currency: CurrencyCode, locale: string | undefined): Intl.NumberFormat {
  const key = `${locale ?? ''}|${currency}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    const exponent = CURRENCIES[currency].exponent;
    formatter = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: exponent,
      maximumFractionDigits: exponent,
    });
    formatters.set(key, formatter);
  }
  return formatter;
}

/**
 * 7875 USD → "$78.75" (in `locale`, default the runtime's). Intl gets the exact decimal string, never
 * `minor / 100`. An unknown currency code shows the code and the integer ("XYZ 1234") instead of failing.
 */
export function formatMoney(minor: number, currency: string, locale?: string): string {
  if (!isCurrencyCode(currency)) return `${currency} ${String(minor)}`;
  const decimal = minorToDecimalString(minor, currency) as `${number}`;
  return moneyFormatter(currency, locale).format(decimal);
}
