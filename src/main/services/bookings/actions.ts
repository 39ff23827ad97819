import type { Actor } from '../../domain/actors';
import {
  bookingActionOpenFrom,
  openBookingActions,
  type BookingAction,
  type BookingContext,
} from '../../domain/booking-machine';
import { paymentStillOpen, paymentTookMoney } from '../../domain/payment-machine';
import { roleCan, type Permission } from '../../domain/permissions';
import { remainingRefundable } from '../../domain/refunds';
import type { PaymentRecord } from '../ports';

/** What the console can offer on a booking page: booking actions and the money actions beside them. */
export type ConsoleAction =
  'confirm' | 'decline' | 'cancel' | 'complete' | 'cancel_paid' | 'reschedule' | 'take_payment' | 'request_refund';

export interface ActionOffer {
  readonly action: ConsoleAction;
  readonly label: string;
  /** False when the state allows the action but something closes it now; `reason` says what. */
  readonly open: boolean;
  readonly reason: string | null;
}

const BOOKING_ACTION_PERMISSION: Partial<Record<BookingAction, Permission>> = {
  confirm: 'bookings.confirm',
  decline: 'bookings.decline',
  cancel: 'bookings.cancelUnpaid',
  complete: 'bookings.complete',
  cancel_paid: 'bookings.cancelPaid',
  reschedule: 'bookings.reschedule',
};

const LABELS: Record<ConsoleAction, string> = {
  confirm: 'Confirm',
  decline: 'Decline',
  cancel: 'Cancel',
  complete: 'Mark completed',
  cancel_paid: 'Cancel with full refund',
  reschedule: 'Move to another time',
  take_payment: 'Take payment',
  request_refund: 'Request refund',
};

const permitted = (actor: Actor, permission: Permission) => actor.kind !== 'STAFF' || roleCan(actor.role, permission);

/**
 * Exactly what the server will accept from this actor now, asked of the tables (and the permission
 * matrix for staff): an action appears when its state allows it, closed with the reason when a
 * guard does not hold yet (a session that has not ended cannot be completed).
 */
export function actionsFor(
  actor: Actor,
  ctx: BookingContext & { state: NonNullable<BookingContext['state']> },
  payments: readonly PaymentRecord[],
  reservedMinor: (paymentId: number) => number,
): ActionOffer[] {
  const offers: ActionOffer[] = [];
  for (const open of openBookingActions(actor, ctx)) {
    const permission = BOOKING_ACTION_PERMISSION[open.action];
    if (!permission || !permitted(actor, permission)) continue;
    offers.push({
      action: open.action as ConsoleAction,
      label: LABELS[open.action as ConsoleAction],
      open: open.open,
      reason: open.reason,
    });
  }
  if (permitted(actor, 'payments.operate')) {
    const pending = payments.find((payment) => paymentStillOpen(payment.status));
    const startable = openBookingActions(actor, ctx).find((open) => open.action === 'start_payment');
    if (startable)
      offers.push({
        action: 'take_payment',
        label: LABELS.take_payment,
        open: startable.open,
        reason: startable.reason,
      });
    else if (pending && ctx.state.paymentStatus === 'PENDING')
      offers.push({ action: 'take_payment', label: LABELS.take_payment, open: true, reason: null });
  }
  if (permitted(actor, 'refunds.request') && bookingActionOpenFrom('refund', ctx.state)) {
    const paid = payments.find((payment) => paymentTookMoney(payment.status));
    const left = paid ? remainingRefundable(paid, reservedMinor(paid.id)) : 0;
    offers.push({
      action: 'request_refund',
      label: LABELS.request_refund,
      open: left > 0,
      reason: left > 0 ? null : 'Nothing remains refundable on this payment (refunded or reserved by open requests)',
    });
  }
  return offers;
}
