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
  const booking = await repos.bookings.lock(rows.bookingId);
  const payment = rows.paymentId !== undefined ? await repos.payments.lock(rows.paymentId) : null;
  if (rows.refundRequestId !== undefined) await repos.refunds.lock(rows.refundRequestId);
  return { booking, payment };
}
