import type { BookingRecord, PaymentRecord, Repositories } from '../ports';

/**
 * Row locks of one booking's aggregates, always taken in the same order — booking, then payment,
 * then refund request — so two use cases that touch the same booking wait for each other instead of
 * deadlocking (PostgreSQL aborts one of a pair that locked in opposite orders). A booking
 * transition writes the booking row, so whatever may move the booking takes its lock first.
 * Returns the booking and payment as read under their locks (null: the row is gone).
 */
export async function lockInOrder(
  repos: Repositories,
  rows: { bookingId: number; paymentId?: number | undefined; refundRequestId?: number | undefined },
): Promise<{ booking: BookingRecord | null; payment: PaymentRecord | null }> {
  // Sent together, in this order, on the transaction's one connection, which runs them one after
  // another in the order sent: each lock is taken once the one before it is held, in one round trip.
  const [booking, payment] = await Promise.all([
    repos.bookings.lock(rows.bookingId),
    rows.paymentId !== undefined ? repos.payments.lock(rows.paymentId) : null,
    rows.refundRequestId !== undefined ? repos.refunds.lock(rows.refundRequestId) : null,
  ]);
  return { booking, payment };
}
