import { describe, expect, it } from 'vitest';
import { BOOKING_PAYMENT_STATUSES, BOOKING_STATUSES, PAYMENT_STATUSES } from '../../../src/main/domain/states';
import {
  BOOKING_PAYMENT_STATUS_NAMES,
  BOOKING_STATUS_NAMES,
  bookingStatusLabel,
  PAYMENT_RECORD_STATUS_NAMES,
  paymentStatusLabel,
  STATUS_LABELS,
} from '../../../src/shared/status-label';

const pairs = BOOKING_STATUSES.flatMap((status) =>
  BOOKING_PAYMENT_STATUSES.map((paymentStatus) => ({ status, paymentStatus })),
);

describe('the one status-label mapping of (booking status, payment status)', () => {
  it('knows exactly the domain’s statuses', () => {
    expect([...BOOKING_STATUS_NAMES]).toEqual([...BOOKING_STATUSES]);
    expect([...BOOKING_PAYMENT_STATUS_NAMES]).toEqual([...BOOKING_PAYMENT_STATUSES]);
    expect([...PAYMENT_RECORD_STATUS_NAMES]).toEqual([...PAYMENT_STATUSES]);
    expect(Object.keys(STATUS_LABELS).sort()).toEqual([...BOOKING_STATUSES].sort());
  });

  it.each(pairs)('$status with payment $paymentStatus has its own words, never a code', ({ status, paymentStatus }) => {
    const { label, tone } = bookingStatusLabel(status, paymentStatus);
    expect(label.trim().length).toBeGreaterThan(0);
    expect(label).not.toMatch(/[A-Z]{2,}|_/);
    expect(['waiting', 'progress', 'ok', 'problem', 'closed']).toContain(tone);
    // "Awaiting teacher" belongs to unconfirmed bookings only.
    if (status !== 'PENDING') expect(label).not.toContain('Awaiting teacher');
    else expect(label).toMatch(/^Awaiting teacher/);
    // A payment in progress is said so, whatever the booking's status.
    if (paymentStatus === 'PENDING') expect(label.toLowerCase()).toContain('payment in progress');
    if (paymentStatus === 'PENDING') expect(tone).toBe('progress');
    if (paymentStatus === 'FAILED' && status !== 'CANCELLED' && status !== 'REFUNDED') expect(tone).toBe('problem');
  });

  it('gives every pair a distinct label, so no two states read the same', () => {
    const labels = pairs.map(({ status, paymentStatus }) => bookingStatusLabel(status, paymentStatus).label);
    expect(new Set(labels).size).toBe(pairs.length);
  });

  it('words the queues’ states as a person would', () => {
    expect(bookingStatusLabel('PENDING', 'UNPAID').label).toBe('Awaiting teacher');
    expect(bookingStatusLabel('CONFIRMED', 'UNPAID').label).toBe('Awaiting payment');
    expect(bookingStatusLabel('CONFIRMED', 'PENDING').label).toBe('Payment in progress');
    expect(bookingStatusLabel('CONFIRMED', 'FAILED').label).toBe('Payment failed');
    expect(bookingStatusLabel('CONFIRMED', 'PAID').label).toBe('Confirmed and paid');
    expect(bookingStatusLabel('CANCELLED', 'PAID').label).toBe('Cancelled · refund not yet done');
  });

  it.each([...BOOKING_PAYMENT_STATUSES, ...PAYMENT_STATUSES])('payment status %s has words', (status) => {
    const { label } = paymentStatusLabel(status);
    expect(label).not.toMatch(/[A-Z]{2,}|_/);
    expect(label).not.toContain('Awaiting teacher');
  });

  it('shows a status it does not know as itself instead of a wrong word', () => {
    expect(bookingStatusLabel('ON_HOLD', 'PAID').label).toBe('ON_HOLD · PAID');
    expect(paymentStatusLabel('DISPUTED').label).toBe('DISPUTED');
  });
});
