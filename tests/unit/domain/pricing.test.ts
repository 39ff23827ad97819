import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CURRENCY_CODES, CURRENCIES } from '../../../src/main/domain/money';
import { quoteSession } from '../../../src/main/domain/pricing';

describe('quoteSession (R3–R6)', () => {
  it('R5: the seed example, $50.00/h × 90 min', () => {
    expect(quoteSession({ hourlyRateMinor: 5000, minutes: 90, currency: 'USD' })).toEqual({
      currency: 'USD',
      minutes: 90,
      hourlyRateMinor: 5000,
      baseMinor: 7500,
      feeMinor: 375,
      totalMinor: 7875,
      teacherMinor: 7500,
      platformMinor: 375,
      feeRateBps: 500,
      minimumFeeMinor: 100,
    });
  });

  it('R5: $10.00/h × 30 min takes the $1.00 minimum fee', () => {
    const quote = quoteSession({ hourlyRateMinor: 1000, minutes: 30, currency: 'USD' });
    expect([quote.baseMinor, quote.feeMinor, quote.totalMinor]).toEqual([500, 100, 600]);
  });

  it('R3: the base rounds half up, once, in integers', () => {
    // 1001 × 15 / 60 = 250.25 → 250; 1002 × 15 / 60 = 250.5 → 251
    expect(quoteSession({ hourlyRateMinor: 1001, minutes: 15, currency: 'EUR' }).baseMinor).toBe(250);
    expect(quoteSession({ hourlyRateMinor: 1002, minutes: 15, currency: 'EUR' }).baseMinor).toBe(251);
  });

  it('R4: the fee rounds half up: 5 % of 74.90 = 3.745 → 3.75', () => {
    // rate 4994/h × 90 min = 7491 base; 5 % = 374.55 → 375
    const quote = quoteSession({ hourlyRateMinor: 4994, minutes: 90, currency: 'USD' });
    expect(quote.baseMinor).toBe(7491);
    expect(quote.feeMinor).toBe(375);
    // 7490 × 5 % = 374.5 exactly → 375 (half up, not banker's 374)
    expect(quoteSession({ hourlyRateMinor: 7490, minutes: 60, currency: 'USD' }).feeMinor).toBe(375);
  });

  it('R2/R4: JPY has no minor unit and a ¥100 minimum', () => {
    // ¥3,000/h × 45 min = ¥2,250; 5 % = 112.5 → ¥113
    expect(quoteSession({ hourlyRateMinor: 3000, minutes: 45, currency: 'JPY' })).toMatchObject({
      baseMinor: 2250,
      feeMinor: 113,
      totalMinor: 2363,
      minimumFeeMinor: 100,
    });
    expect(quoteSession({ hourlyRateMinor: 1000, minutes: 30, currency: 'JPY' }).feeMinor).toBe(100);
  });

  it('R4: KRW minimum is ₩1,000; rate and minimum are recorded in the quote', () => {
    expect(quoteSession({ hourlyRateMinor: 10000, minutes: 60, currency: 'KRW' }).feeMinor).toBe(1000);
    const custom = quoteSession({
      hourlyRateMinor: 5000,
      minutes: 60,
      currency: 'USD',
      feeRateBps: 1000,
      minimumFeeMinor: 50,
    });
    expect(custom).toMatchObject({ feeMinor: 500, feeRateBps: 1000, minimumFeeMinor: 50 });
  });

  it.each([
    [{ hourlyRateMinor: 50.5, minutes: 60, currency: 'USD' }, 'VALIDATION', 'whole number'],
    [{ hourlyRateMinor: -1, minutes: 60, currency: 'USD' }, 'VALIDATION', 'negative'],
    [{ hourlyRateMinor: Number.NaN, minutes: 60, currency: 'USD' }, 'VALIDATION', 'whole number'],
    [{ hourlyRateMinor: 5000, minutes: 10, currency: 'USD' }, 'VALIDATION', '15–240'],
    [{ hourlyRateMinor: 5000, minutes: 255, currency: 'USD' }, 'VALIDATION', '15–240'],
    [{ hourlyRateMinor: 5000, minutes: 50, currency: 'USD' }, 'VALIDATION', 'steps of 15'],
    [{ hourlyRateMinor: 5000, minutes: 60.5, currency: 'USD' }, 'VALIDATION', 'steps of 15'],
    [{ hourlyRateMinor: 5000, minutes: 60, currency: 'XYZ' }, 'UNKNOWN_CURRENCY', 'XYZ'],
    [{ hourlyRateMinor: 5000, minutes: 60, currency: 'usd' }, 'UNKNOWN_CURRENCY', 'usd'],
    [{ hourlyRateMinor: 5000, minutes: 60, currency: 'USD', feeRateBps: 10_001 }, 'VALIDATION', 'feeRateBps'],
    [{ hourlyRateMinor: 5000, minutes: 60, currency: 'USD', minimumFeeMinor: -5 }, 'VALIDATION', 'minimumFeeMinor'],
    [{ hourlyRateMinor: Number.MAX_SAFE_INTEGER + 1, minutes: 60, currency: 'USD' }, 'AMOUNT_TOO_LARGE', 'too large'],
    [{ hourlyRateMinor: Number.MAX_SAFE_INTEGER, minutes: 240, currency: 'USD' }, 'AMOUNT_TOO_LARGE', 'too large'],
  ])('refuses %j with %s', (input, code, text) => {
    expect(() => quoteSession(input)).toThrow(
      expect.objectContaining({ name: 'DomainError', code, message: expect.stringContaining(text) as string }) as Error,
    );
  });

  const quoteInput = fc.record({
    hourlyRateMinor: fc.integer({ min: 0, max: 100_000_000 }),
    minutes: fc.integer({ min: 1, max: 16 }).map((steps) => steps * 15),
    currency: fc.constantFrom(...CURRENCY_CODES),
    feeRateBps: fc.integer({ min: 0, max: 10_000 }),
  });

  it('property: total = base + fee = teacher + platform; fee ≥ minimum; all integers', () => {
    fc.assert(
      fc.property(quoteInput, (input) => {
        const quote = quoteSession(input);
        expect(quote.totalMinor).toBe(quote.baseMinor + quote.feeMinor);
        expect(quote.totalMinor).toBe(quote.teacherMinor + quote.platformMinor);
        expect(quote.feeMinor).toBeGreaterThanOrEqual(CURRENCIES[quote.currency].defaultMinimumFeeMinor);
        for (const value of [quote.baseMinor, quote.feeMinor, quote.totalMinor])
          expect(Number.isSafeInteger(value)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: the base is within half a minor unit of the exact price (rounded once, half up)', () => {
    fc.assert(
      fc.property(quoteInput, (input) => {
        const { baseMinor } = quoteSession(input);
        const exactTimes60 = input.hourlyRateMinor * input.minutes; // exact in doubles for these ranges
        // baseMinor − exact ∈ (−0.5, 0.5]  ⇔  60·base − exact ∈ (−30, 30]
        const error = baseMinor * 60 - exactTimes60;
        expect(error).toBeGreaterThan(-30);
        expect(error).toBeLessThanOrEqual(30);
      }),
      { numRuns: 2000 },
    );
  });
});
