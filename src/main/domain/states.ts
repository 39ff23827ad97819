/** Booking and payment statuses (the rules' names; the database enums mirror them). */
export const BOOKING_STATUSES = ['PENDING', 'CONFIRMED', 'COMPLETED', 'CANCELLED', 'REFUNDED'] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];

/** A booking's payment status (R10–R19). */
export const BOOKING_PAYMENT_STATUSES = [
  'UNPAID',
  'PENDING',
  'PAID',
  'PARTIALLY_REFUNDED',
  'REFUNDED',
  'FAILED',
] as const;
export type BookingPaymentStatus = (typeof BOOKING_PAYMENT_STATUSES)[number];

/** A payment record's status: the booking's, plus CANCELED for an intent cancelled before it was paid. */
export const PAYMENT_STATUSES = ['PENDING', 'PAID', 'PARTIALLY_REFUNDED', 'REFUNDED', 'FAILED', 'CANCELED'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export interface BookingState {
  readonly status: BookingStatus;
  readonly paymentStatus: BookingPaymentStatus;
}

/** The console queue a booking belongs to; stored beside the status so each queue is one index range. */
export const BOOKING_QUEUES = [
  'AWAITING_CONFIRMATION',
  'AWAITING_PAYMENT',
  'PAYMENT_FAILED',
  'PAID',
  'COMPLETED',
  'CANCELLED',
  'REFUNDED',
] as const;
export type BookingQueue = (typeof BOOKING_QUEUES)[number];

export function queueOf(state: BookingState): BookingQueue {
  switch (state.status) {
    case 'PENDING':
      return 'AWAITING_CONFIRMATION';
    case 'CONFIRMED':
      if (state.paymentStatus === 'PAID') return 'PAID';
      if (state.paymentStatus === 'FAILED') return 'PAYMENT_FAILED';
      return 'AWAITING_PAYMENT';
    case 'COMPLETED':
      return 'COMPLETED';
    case 'CANCELLED':
      return 'CANCELLED';
    case 'REFUNDED':
      return 'REFUNDED';
  }
}
