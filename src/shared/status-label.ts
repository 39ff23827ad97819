/**
 * THE words for a booking's state, shared by every screen (queues, the booking page, payments,
 * people pages). A booking's state is a pair — its own status and its payment status — and a label
 * derived from the booking status alone lies: a confirmed booking whose payment is in progress is
 * not "awaiting teacher". So the label is looked up by the pair, in one table TypeScript checks is
 * complete. Plain TypeScript: no imports, no I/O (the renderer and the main process both use it).
 */

/** The booking statuses (the same names as the domain's and the database's). */
export const BOOKING_STATUS_NAMES = ['PENDING', 'CONFIRMED', 'COMPLETED', 'CANCELLED', 'REFUNDED'] as const;
export type BookingStatusName = (typeof BOOKING_STATUS_NAMES)[number];

/** A booking's payment status (R10–R19). */
export const BOOKING_PAYMENT_STATUS_NAMES = [
  'UNPAID',
  'PENDING',
  'PAID',
  'PARTIALLY_REFUNDED',
  'REFUNDED',
  'FAILED',
] as const;
export type BookingPaymentStatusName = (typeof BOOKING_PAYMENT_STATUS_NAMES)[number];

/** A payment record's status: the booking's payment statuses without UNPAID, plus CANCELED. */
export const PAYMENT_RECORD_STATUS_NAMES = [
  'PENDING',
  'PAID',
  'PARTIALLY_REFUNDED',
  'REFUNDED',
  'FAILED',
  'CANCELED',
] as const;
export type PaymentRecordStatusName = (typeof PAYMENT_RECORD_STATUS_NAMES)[number];

/**
 * How a label should look: someone must act or wait (waiting), money is on its way (progress),
 * all is well (ok), something went wrong (problem), nothing more will happen (closed).
 */
export type StatusTone = 'waiting' | 'progress' | 'ok' | 'problem' | 'closed';

export interface StatusLabel {
  readonly label: string;
  readonly tone: StatusTone;
}

const l = (label: string, tone: StatusTone): StatusLabel => ({ label, tone });

/** Every (booking status, payment status) pair, spelled out: a missing pair does not compile. */
export const STATUS_LABELS: {
  readonly [S in BookingStatusName]: { readonly [P in BookingPaymentStatusName]: StatusLabel };
} = {
  PENDING: {
    UNPAID: l('Awaiting teacher', 'waiting'),
    PENDING: l('Awaiting teacher · payment in progress', 'progress'),
    PAID: l('Awaiting teacher · paid', 'waiting'),
    PARTIALLY_REFUNDED: l('Awaiting teacher · partly refunded', 'waiting'),
    REFUNDED: l('Awaiting teacher · refunded', 'closed'),
    FAILED: l('Awaiting teacher · payment failed', 'problem'),
  },
  CONFIRMED: {
    UNPAID: l('Awaiting payment', 'waiting'),
    PENDING: l('Payment in progress', 'progress'),
    PAID: l('Confirmed and paid', 'ok'),
    PARTIALLY_REFUNDED: l('Confirmed · partly refunded', 'ok'),
    REFUNDED: l('Confirmed · refunded', 'closed'),
    FAILED: l('Payment failed', 'problem'),
  },
  COMPLETED: {
    UNPAID: l('Completed · not paid', 'problem'),
    PENDING: l('Completed · payment in progress', 'progress'),
    PAID: l('Completed', 'ok'),
    PARTIALLY_REFUNDED: l('Completed · partly refunded', 'ok'),
    REFUNDED: l('Completed · refunded', 'closed'),
    FAILED: l('Completed · payment failed', 'problem'),
  },
  CANCELLED: {
    UNPAID: l('Cancelled', 'closed'),
    PENDING: l('Cancelled · payment in progress', 'progress'),
    // R18 with R27: a cancelled booking stays PAID until Stripe confirms the refund.
    PAID: l('Cancelled · refund not yet done', 'problem'),
    PARTIALLY_REFUNDED: l('Cancelled · partly refunded', 'closed'),
    REFUNDED: l('Cancelled and refunded', 'closed'),
    FAILED: l('Cancelled · payment had failed', 'closed'),
  },
  REFUNDED: {
    UNPAID: l('Refunded · not paid', 'closed'),
    PENDING: l('Refunded · payment in progress', 'progress'),
    PAID: l('Refunded · refund not yet done', 'problem'),
    PARTIALLY_REFUNDED: l('Refunded · partly', 'closed'),
    REFUNDED: l('Refunded', 'closed'),
    FAILED: l('Refunded · payment had failed', 'closed'),
  },
};

/** What a payment (a booking's payment status, or a payment record's) says on its own. */
export const PAYMENT_LABELS: { readonly [P in BookingPaymentStatusName | PaymentRecordStatusName]: StatusLabel } = {
  UNPAID: l('Not paid', 'waiting'),
  PENDING: l('Payment in progress', 'progress'),
  PAID: l('Paid', 'ok'),
  PARTIALLY_REFUNDED: l('Partly refunded', 'ok'),
  REFUNDED: l('Refunded', 'closed'),
  FAILED: l('Payment failed', 'problem'),
  CANCELED: l('Payment cancelled', 'closed'),
};

const isBookingStatus = (value: string): value is BookingStatusName =>
  (BOOKING_STATUS_NAMES as readonly string[]).includes(value);
const isPaymentStatus = (value: string): value is BookingPaymentStatusName | PaymentRecordStatusName =>
  Object.hasOwn(PAYMENT_LABELS, value);

/**
 * The booking's state in words, from the pair. Values arrive from the wire: a status this table
 * does not know (a newer server) shows as itself rather than as a wrong word.
 */
export function bookingStatusLabel(status: string, paymentStatus: string): StatusLabel {
  if (isBookingStatus(status) && (BOOKING_PAYMENT_STATUS_NAMES as readonly string[]).includes(paymentStatus))
    return STATUS_LABELS[status][paymentStatus as BookingPaymentStatusName];
  return l(`${status} · ${paymentStatus}`, 'waiting');
}

/** A payment's status in words (a booking's payment status or a payment record's). */
export function paymentStatusLabel(paymentStatus: string): StatusLabel {
  return isPaymentStatus(paymentStatus) ? PAYMENT_LABELS[paymentStatus] : l(paymentStatus, 'waiting');
}
