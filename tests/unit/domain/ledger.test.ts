import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  naturalBalance,
  payoutSent,
  paymentSucceeded,
  refundFailed,
  refundSplit,
  refundSucceeded,
  transferReversed,
  type LedgerPosting,
} from '../../../src/main/domain/ledger';
import { quoteSession } from '../../../src/main/domain/pricing';

const sum = (posting: LedgerPosting) => posting.lines.reduce((total, line) => total + line.amountMinor, 0);

describe('R41: a refund split between teacher and platform in proportion to the quote', () => {
  // $30/h for 60 min: base 3000, fee 150, total 3150.
  const usd = quoteSession({ currency: 'USD', hourlyRateMinor: 3000, minutes: 60 });
  // ¥2250/h for 60 min: base 2250, fee roundHalfUp(112.5) = 113, total 2363.
  const jpy = quoteSession({ currency: 'JPY', hourlyRateMinor: 2250, minutes: 60 });

  it('the quotes are what the rules say', () => {
    expect(usd).toMatchObject({ baseMinor: 3000, feeMinor: 150, totalMinor: 3150 });
    expect(jpy).toMatchObject({ baseMinor: 2250, feeMinor: 113, totalMinor: 2363 });
  });

  it('USD: teacherPart = roundHalfUp(refund × base / total); the platform gets the rest', () => {
    // 1001 × 3000 / 3150 = 953.33… → 953
    expect(refundSplit(usd, 1001, 0)).toEqual({ teacherPartMinor: 953, platformPartMinor: 48 });
    // 1050 × 3000 / 3150 = 1000 exactly
    expect(refundSplit(usd, 1050, 0)).toEqual({ teacherPartMinor: 1000, platformPartMinor: 50 });
  });

  it('rounds half up: base 100, fee 100 (the minimum), total 200 — a refund of 1 gives the teacher 0.5 → 1', () => {
    const tiny = quoteSession({ currency: 'USD', hourlyRateMinor: 100, minutes: 60 });
    expect(tiny).toMatchObject({ baseMinor: 100, feeMinor: 100, totalMinor: 200 });
    expect(refundSplit(tiny, 1, 0)).toEqual({ teacherPartMinor: 1, platformPartMinor: 0 });
    // The next cent: cumulative roundHalfUp(2 × 100 / 200) = 1, so this refund's teacher part is 0.
    expect(refundSplit(tiny, 1, 1)).toEqual({ teacherPartMinor: 0, platformPartMinor: 1 });
  });

  it('JPY (no minor digits): 1000 × 2250 / 2363 = 952.18… → 952', () => {
    expect(refundSplit(jpy, 1000, 0)).toEqual({ teacherPartMinor: 952, platformPartMinor: 48 });
  });

  it('a full refund takes back exactly base and fee, in one refund or in several', () => {
    expect(refundSplit(usd, 3150, 0)).toEqual({ teacherPartMinor: 3000, platformPartMinor: 150 });
    expect(refundSplit(jpy, 2363, 0)).toEqual({ teacherPartMinor: 2250, platformPartMinor: 113 });
    const parts = [1000, 1000, 363].map((amount, index, all) =>
      refundSplit(
        jpy,
        amount,
        all.slice(0, index).reduce((a, b) => a + b, 0),
      ),
    );
    expect(parts).toEqual([
      { teacherPartMinor: 952, platformPartMinor: 48 },
      { teacherPartMinor: 952, platformPartMinor: 48 },
      { teacherPartMinor: 346, platformPartMinor: 17 },
    ]);
  });

  it('refuses a refund that does not fit what remains', () => {
    expect(() => refundSplit(usd, 3151, 0)).toThrow(/does not fit/);
    expect(() => refundSplit(usd, 100, 3100)).toThrow(/does not fit/);
    expect(() => refundSplit(usd, 0, 0)).toThrow(/does not fit/);
  });

  it('property: any sequence of partial refunds — each part within a minor unit of the exact share, none negative, a full sequence summing to base and fee', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('USD', 'EUR', 'JPY', 'GBP'),
        fc.integer({ min: 100, max: 50_000_000 }),
        fc.constantFrom(15, 30, 45, 60, 90, 120, 240),
        fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 12 }),
        (currency, rate, minutes, weights) => {
          const quote = quoteSession({ currency, hourlyRateMinor: rate, minutes });
          // Split the total into refunds proportional to the weights (the last takes what remains).
          const totalWeight = weights.reduce((a, b) => a + b, 0);
          const amounts: number[] = [];
          let given = 0;
          weights.forEach((weight, index) => {
            const amount =
              index === weights.length - 1
                ? quote.totalMinor - given
                : Math.floor((quote.totalMinor * weight) / totalWeight);
            if (amount > 0) amounts.push(amount);
            given += amount;
          });
          let before = 0;
          let teacher = 0;
          let platform = 0;
          for (const amount of amounts) {
            const split = refundSplit(quote, amount, before);
            expect(split.teacherPartMinor).toBeGreaterThanOrEqual(0);
            expect(split.platformPartMinor).toBeGreaterThanOrEqual(0);
            expect(
              Math.abs(split.teacherPartMinor - (amount * quote.baseMinor) / quote.totalMinor),
            ).toBeLessThanOrEqual(1);
            before += amount;
            teacher += split.teacherPartMinor;
            platform += split.platformPartMinor;
          }
          expect(teacher).toBe(quote.baseMinor);
          expect(platform).toBe(quote.feeMinor);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('R40: postings balance', () => {
  const quote = quoteSession({ currency: 'USD', hourlyRateMinor: 3000, minutes: 60 });

  it('a payment: stripe_balance +total, teacher_payable −base, platform_revenue −fee', () => {
    const posting = paymentSucceeded(quote, 7);
    expect(posting.lines).toEqual([
      { account: 'stripe_balance', amountMinor: 3150 },
      { account: 'teacher_payable:7', amountMinor: -3000 },
      { account: 'platform_revenue', amountMinor: -150 },
    ]);
    expect(sum(posting)).toBe(0);
  });

  it('a refund, its failure (exactly reversed), a payout and a reversal each sum to zero', () => {
    const refund = refundSucceeded('USD', 7, refundSplit(quote, 1001, 0));
    expect(refund.lines).toEqual([
      { account: 'stripe_balance', amountMinor: -1001 },
      { account: 'teacher_payable:7', amountMinor: 953 },
      { account: 'refunds', amountMinor: 48 },
    ]);
    const failed = refundFailed(refund);
    expect(failed.lines.map((line) => line.amountMinor)).toEqual([1001, -953, -48]);
    for (const posting of [refund, failed, payoutSent('USD', 7, 2047), transferReversed('USD', 7, 953)])
      expect(sum(posting)).toBe(0);
  });

  it('a teacher’s balance reads positive when they are owed, and 0 (never −0) when settled', () => {
    expect(naturalBalance('teacher_payable:7', -3000)).toBe(3000);
    expect(Object.is(naturalBalance('teacher_payable:7', 0), 0)).toBe(true);
    expect(naturalBalance('stripe_balance', 3150)).toBe(3150);
  });
});
