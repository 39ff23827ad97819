import { describe, expect, it } from 'vitest';
import { describeEntry, fieldLabel } from '../../../src/renderer/src/features/audit/describe';
import { formatDateTime } from '../../../src/renderer/src/format';

/** The audit screen's columns (and its CSV's): reason, before and after in words, the rest as details. */
describe('audit entries in words', () => {
  it('a booking transition: the pair (status, payment status) in the queues’ words, and its reason', () => {
    const described = describeEntry({
      data: {
        from: { status: 'CONFIRMED', paymentStatus: 'UNPAID' },
        to: { status: 'CANCELLED', paymentStatus: 'UNPAID' },
        reason: 'The student changed plans',
      },
      currency: 'USD',
    });
    expect(described).toEqual({
      reason: 'The student changed plans',
      before: 'Awaiting payment',
      after: 'Cancelled',
      details: null,
    });
  });

  it('a creation has no before; a transition recorded with the status alone still reads', () => {
    expect(
      describeEntry({ data: { to: { status: 'PENDING', paymentStatus: 'UNPAID' } }, currency: null }),
    ).toMatchObject({ before: '—', after: 'Awaiting teacher' });
    expect(
      describeEntry({ data: { from: { status: 'PENDING' }, to: { status: 'CONFIRMED' } }, currency: null }),
    ).toMatchObject({ before: 'Awaiting teacher', after: 'Confirmed' });
  });

  it('a move (R53): before and after carry the from-time and the to-time', () => {
    const from = '2026-12-03T10:00:00.000Z';
    const to = '2026-12-04T15:30:00.000Z';
    const described = describeEntry({
      data: {
        from: { status: 'CONFIRMED', paymentStatus: 'PAID' },
        to: { status: 'CONFIRMED', paymentStatus: 'PAID' },
        reason: 'Teacher ill',
        fromStartsAt: from,
        toStartsAt: to,
      },
      currency: 'EUR',
    });
    expect(described.before).toBe(`Confirmed and paid · starts ${formatDateTime(new Date(from))}`);
    expect(described.after).toBe(`Confirmed and paid · starts ${formatDateTime(new Date(to))}`);
    expect(described.details).toBeNull();
  });

  it('a settings change shows only what changed; amounts per currency as money (R1)', () => {
    const described = describeEntry({
      data: {
        before: { paymentWindowMinutes: 15, feeRatePercent: 5, minimumFeeMinor: { USD: 100, JPY: 100 } },
        changes: { minimumFeeMinor: { USD: 150, JPY: 100 } },
      },
      currency: null,
    });
    expect(described.before).toMatch(/^minimum fee: \$1\.00, ¥100$/);
    expect(described.after).toMatch(/^minimum fee: \$1\.50, ¥100$/);
    expect(described.details).toBeNull();
  });

  it('a refund decision: where it went as the after; the rest as details, amounts in the booking’s currency', () => {
    expect(describeEntry({ data: { status: 'AWAITING_SECOND_APPROVAL' }, currency: 'USD' })).toEqual({
      reason: null,
      before: null,
      after: 'awaiting second approval',
      details: null,
    });
    expect(
      describeEntry({ data: { paymentId: 7, amountMinor: 2_550, reason: 'Late start' }, currency: 'USD' }),
    ).toEqual({ reason: 'Late start', before: null, after: null, details: 'payment id: 7; amount: $25.50' });
    expect(fieldLabel('paymentWindowMinutes')).toBe('payment window minutes');
  });

  it('data that is not an object describes as nothing rather than failing', () => {
    expect(describeEntry({ data: null, currency: null })).toEqual({
      reason: null,
      before: null,
      after: null,
      details: null,
    });
  });
});
