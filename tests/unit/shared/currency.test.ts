import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CURRENCIES as DOMAIN_CURRENCIES, formatMinor } from '../../../src/main/domain/money';
import {
  CURRENCIES,
  CURRENCY_CODES,
  formatMoney,
  isCurrencyCode,
  minorToDecimalString,
  parseDecimalToMinor,
  type CurrencyCode,
} from '../../../src/shared/currency';

const LOCALES = ['en-US', 'de-DE', 'fr-FR', 'ja-JP', 'ko-KR', 'en-IN', 'ar-EG'] as const;
const currency = fc.constantFrom(...CURRENCY_CODES);
const safeMinor = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const anySafeMinor = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });

describe('the currency table (R2, R4)', () => {
  it('R2: exponents are 2 for USD, EUR, GBP, CAD, AUD and 0 for JPY, KRW', () => {
    expect(Object.fromEntries(CURRENCY_CODES.map((code) => [code, CURRENCIES[code].exponent]))).toEqual({
      USD: 2,
      EUR: 2,
      GBP: 2,
      CAD: 2,
      AUD: 2,
      JPY: 0,
      KRW: 0,
    });
  });

  it('R2: the table agrees with ISO 4217 as Intl knows it', () => {
    for (const code of CURRENCY_CODES) {
      const digits = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions()
        .maximumFractionDigits;
      expect(digits, code).toBe(CURRENCIES[code].exponent);
    }
  });

  it('R4: default minimum fees are 1.00, ¥100 and ₩1,000', () => {
    expect(Object.fromEntries(CURRENCY_CODES.map((code) => [code, CURRENCIES[code].defaultMinimumFeeMinor]))).toEqual({
      USD: 100,
      EUR: 100,
      GBP: 100,
      CAD: 100,
      AUD: 100,
      JPY: 100,
      KRW: 1000,
    });
  });

  it('the main-process domain uses this very table', () => {
    expect(DOMAIN_CURRENCIES).toBe(CURRENCIES);
    expect(isCurrencyCode('USD')).toBe(true);
    expect(isCurrencyCode('XYZ')).toBe(false);
    expect(isCurrencyCode('toString')).toBe(false);
  });
});

describe('minorToDecimalString (R1)', () => {
  it.each([
    [7875, 'USD', '78.75'],
    [-5, 'USD', '-0.05'],
    [5, 'EUR', '0.05'],
    [0, 'GBP', '0.00'],
    [100, 'CAD', '1.00'],
    [123456, 'AUD', '1234.56'],
    [2363, 'JPY', '2363'],
    [-1000, 'KRW', '-1000'],
    [0, 'JPY', '0'],
    [Number.MAX_SAFE_INTEGER, 'USD', '90071992547409.91'],
    [Number.MAX_SAFE_INTEGER, 'KRW', '9007199254740991'],
  ] as const)('%d %s → %s', (minor, code, text) => {
    expect(minorToDecimalString(minor, code)).toBe(text);
  });

  it('refuses anything that is not a whole, safe number of minor units', () => {
    for (const bad of [0.5, 78.75, Number.NaN, Infinity, Number.MAX_SAFE_INTEGER + 1]) {
      expect(() => minorToDecimalString(bad, 'USD')).toThrow(RangeError);
    }
    expect(() => minorToDecimalString(100, 'XYZ' as CurrencyCode)).toThrow(RangeError);
  });

  it('formatMinor (emails, logs) goes through it', () => {
    expect(formatMinor(7875, 'USD')).toBe('USD 78.75');
    expect(formatMinor(2363, 'JPY')).toBe('JPY 2363');
    expect(formatMinor(-5, 'EUR')).toBe('EUR -0.05');
  });
});

describe('parseDecimalToMinor (R1)', () => {
  it.each([
    ['20', 'USD', 2000],
    ['20.00', 'USD', 2000],
    ['$20', 'USD', 2000],
    ['20.5', 'USD', 2050],
    ['1,234.50', 'USD', 123450],
    ['$1,234.50', 'USD', 123450],
    ['  $ 20.05  ', 'USD', 2005],
    ['USD 20', 'USD', 2000],
    ['usd20.1', 'USD', 2010],
    ['US$7', 'USD', 700],
    ['0.05', 'USD', 5],
    ['0', 'USD', 0],
    ['007', 'USD', 700],
    ['€20', 'EUR', 2000],
    ['EUR 1,000,000.01', 'EUR', 100000001],
    ['£3.75', 'GBP', 375],
    ['CA$20', 'CAD', 2000],
    ['$20', 'CAD', 2000],
    ['A$20', 'AUD', 2000],
    ['¥2363', 'JPY', 2363],
    ['￥2,363', 'JPY', 2363],
    ['JPY 100', 'JPY', 100],
    ['₩1,000', 'KRW', 1000],
    ['90,071,992,547,409.91', 'USD', Number.MAX_SAFE_INTEGER],
    ['9007199254740991', 'JPY', Number.MAX_SAFE_INTEGER],
  ] as const)('%j in %s → %d', (text, code, minor) => {
    expect(parseDecimalToMinor(text, code)).toBe(minor);
  });

  it.each([
    ['', 'USD'],
    ['   ', 'USD'],
    ['$', 'USD'],
    ['USD', 'USD'],
    ['20.001', 'USD'], // more decimals than the currency has
    ['20.5', 'JPY'],
    ['2363.0', 'JPY'],
    ['-20', 'USD'],
    ['-$20', 'USD'],
    ['$-20', 'USD'],
    ['(20)', 'USD'],
    ['−20', 'USD'], // U+2212 minus
    ['20.', 'USD'],
    ['.5', 'USD'],
    ['1.2.3', 'USD'],
    ['12,50', 'EUR'], // a decimal comma is not guessed at
    ['1,23,456', 'USD'],
    [',123', 'USD'],
    ['1e3', 'USD'],
    ['0x10', 'USD'],
    ['Infinity', 'USD'],
    ['NaN', 'USD'],
    ['twenty', 'USD'],
    ['20 dollars', 'USD'],
    ['20$', 'USD'],
    ['$$20', 'USD'],
    ['€20', 'USD'], // another currency's symbol
    ['EUR 20', 'USD'],
    ['$20', 'JPY'],
    ['¥20', 'USD'],
    ['١٢', 'USD'], // non-ASCII digits
    ['90071992547409.92', 'USD'], // one past Number.MAX_SAFE_INTEGER minor units
    ['9007199254740992', 'KRW'],
    ['99999999999999999999999999', 'USD'],
    ['1'.repeat(200), 'JPY'],
  ] as const)('%j in %s → null', (text, code) => {
    expect(parseDecimalToMinor(text, code)).toBeNull();
  });

  it('an unknown currency parses nothing', () => {
    expect(parseDecimalToMinor('20', 'XYZ' as CurrencyCode)).toBeNull();
  });

  it('round-trips every safe integer ≥ 0 in every currency', () => {
    fc.assert(
      fc.property(safeMinor, currency, (minor, code) => {
        expect(parseDecimalToMinor(minorToDecimalString(minor, code), code)).toBe(minor);
      }),
      { numRuns: 5000 },
    );
  });

  it('round-trips the edges exactly in every currency', () => {
    const edges = [0, 1, 9, 10, 99, 100, 101, 999, 1000, 1001, 123456789, 2 ** 31, 2 ** 32 + 1];
    for (const code of CURRENCY_CODES) {
      for (const minor of [...edges, Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER]) {
        expect(parseDecimalToMinor(minorToDecimalString(minor, code), code), `${minor} ${code}`).toBe(minor);
      }
    }
  });

  it('reads back what formatMoney shows in en-US (symbol, grouping, decimals)', () => {
    fc.assert(
      fc.property(safeMinor, currency, (minor, code) => {
        expect(parseDecimalToMinor(formatMoney(minor, code, 'en-US'), code)).toBe(minor);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('formatMoney (R1: format at the edge, exactly)', () => {
  it.each([
    [7875, 'USD', '$78.75'],
    [-5, 'USD', '-$0.05'],
    [2363, 'JPY', '¥2,363'],
    [100000, 'KRW', '₩100,000'],
    [375, 'EUR', '€3.75'],
    // The old `minor / 100` path showed $90,071,992,547,409.90 here.
    [Number.MAX_SAFE_INTEGER, 'USD', '$90,071,992,547,409.91'],
  ] as const)('%d %s → %s in en-US', (minor, code, text) => {
    expect(formatMoney(minor, code, 'en-US')).toBe(text);
  });

  it('never differs from Intl formatting the exact decimal by itself, in any locale', () => {
    fc.assert(
      fc.property(anySafeMinor, currency, fc.constantFrom(...LOCALES), (minor, code, locale) => {
        // Intl's own currency defaults and its own reading of scientific decimal text: no shared code path.
        const intl = new Intl.NumberFormat(locale, { style: 'currency', currency: code });
        const exponent = CURRENCIES[code].exponent;
        const expected =
          exponent === 0 ? intl.format(BigInt(minor)) : intl.format(`${BigInt(minor)}E-${exponent}` as `${number}`);
        expect(formatMoney(minor, code, locale)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('an unknown currency shows the code and the integer instead of throwing', () => {
    expect(formatMoney(1234, 'XYZ')).toBe('XYZ 1234');
    expect(formatMoney(1234, 'US')).toBe('US 1234'); // not even a well-formed code
    expect(formatMoney(1234, '')).toBe(' 1234');
  });

  it('refuses a float amount in a known currency (R1)', () => {
    expect(() => formatMoney(78.75, 'USD')).toThrow(RangeError);
  });
});
