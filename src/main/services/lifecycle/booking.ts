import { recordedRoleOf, type Actor } from '../../domain/actors';
import { decideBookingTransition, type BookingAction, type BookingContext } from '../../domain/booking-machine';
import type { BookingEffect } from '../../domain/effects';
import { DomainError } from '../../domain/errors';
import { paymentActionOpenFrom } from '../../domain/payment-machine';
import { remainingRefundable } from '../../domain/refunds';
import type { Changes } from '../context';
import type { BookingRecord, NewTransition, Repositories } from '../ports';
import { loadSettings, type Settings } from '../settings';
import { bookingEffectDrafts } from './outbox-drafts';
import { applyPaymentTransition } from './payment';
import { bookingStatusLabel } from '../../../shared/status-label';
import { fileRefundRequest } from './refund';

export function bookingTransitionRecord(
  actor: Actor,
  action: string,
  from: BookingRecord | null,
  to: { status: BookingRecord['status']; paymentStatus: BookingRecord['paymentStatus'] },
  reason: string | null,
  at: Date,
): NewTransition {
  return {
    action,
    fromStatus: from?.status ?? null,
    toStatus: to.status,
    fromPaymentStatus: from?.paymentStatus ?? null,
    toPaymentStatus: to.paymentStatus,
    actorKind: actor.kind,
    actorId: actor.kind === 'SYSTEM' ? null : actor.id,
    actorRole: recordedRoleOf(actor),
    reason,
    at,
  };
}

/** R50: students and teachers act only on their own bookings; another's is answered as absent. */
export function assertOwnBooking(actor: Actor, booking: BookingRecord): void {
  const mine =
    (actor.kind !== 'STUDENT' || actor.id === booking.studentId) &&
    (actor.kind !== 'TEACHER' || actor.id === booking.teacherId);
  if (!mine) throw new DomainError('NOT_FOUND', `Booking ${booking.id} does not exist`);
}

export interface BookingStep {
  action: BookingAction;
  reason?: string | undefined;
  /** The version the actor saw; a different current version is a CONFLICT (someone else acted). */
  expectedVersion?: number | undefined;
  /** Facts the table's guards need beyond the booking itself. */
  extra?: Partial<BookingContext>;
  /**
   * R51–R53: the move this transition is about — recorded on the transition (from → to) and told in
   * its emails; `apply` moves the booking to it (same duration) and counts one move.
   */
  move?: { from: Date; to: Date; endsAt: Date; apply: boolean } | undefined;
  /**
   * The booking as this transaction read it under its row lock, when the caller has it (saves reading
   * it again); the write is versioned, so a stale copy ends in CONFLICT, never in a lost update.
   */
  locked?: BookingRecord | undefined;
  /** The settings as this transaction read them, when the caller has them (read with its locks, in one round trip). */
  settings?: Settings | undefined;
}

/**
 * Turns a booking decision's effects into outbox rows, or into transitions of the booking's
 * payment (R13/R16: its open payment is cancelled) and refund requests (R18: a full refund is filed,
 * already approved) through their own tables, in the same transaction.
 */
async function materialize(
  repos: Repositories,
  now: Date,
  actor: Actor,
  booking: BookingRecord,
  transitionId: number,
  effects: readonly BookingEffect[],
  reason: string | null,
  changes: Changes,
  move?: { from: Date; to: Date },
): Promise<void> {
  const drafts = bookingEffectDrafts(booking.id, transitionId, effects, move ? { ...move, reason } : undefined);
  if (drafts.length > 0) {
    await repos.outbox.enqueue(drafts);
    changes.outbox = true;
  }
  for (const effect of effects) {
    if (effect.type === 'cancel_payment') {
      for (const payment of await repos.payments.forBooking(booking.id)) {
        if (!paymentActionOpenFrom('cancel', payment.status)) continue;
        const current = (await repos.payments.lock(payment.id)) ?? payment;
        if (!paymentActionOpenFrom('cancel', current.status)) continue;
        await applyPaymentTransition(repos, now, actor, current, { action: 'cancel', reason }, changes);
      }
    }
    if (effect.type === 'refund_in_full') {
      const paid = (await repos.payments.forBooking(booking.id)).find((payment) =>
        paymentActionOpenFrom('refund', payment.status),
      );
      if (!paid?.stripePaymentIntentId)
        throw new DomainError('ILLEGAL_TRANSITION', `Booking ${booking.id} has no Stripe payment to refund`);
      await repos.payments.lock(paid.id);
      const reserved = await repos.refunds.reservedMinor(paid.id);
      await fileRefundRequest(
        repos,
        now,
        actor,
        {
          action: 'file_for_cancellation',
          paymentId: paid.id,
          bookingId: booking.id,
          amountMinor: remainingRefundable(paid, reserved),
          currency: paid.currency,
          reason: reason ?? 'Cancelled with a full refund',
          source: 'cancel_paid',
        },
        changes,
      );
    }
  }
}

/**
 * One booking transition inside the caller's transaction: load, decide through the table, write the
 * state and its transition record (versioned), its effects, and an audit entry. Payment and refund
 * use cases call it so the booking and the money change together or not at all.
 */
export async function applyBookingTransition(
  repos: Repositories,
  now: Date,
  actor: Actor,
  id: number,
  step: BookingStep,
  changes: Changes,
): Promise<{ booking: BookingRecord; from: BookingRecord }> {
  // Loaded side by side: in one round trip to the database (driver-transaction.ts).
  const [booking, settings] = await Promise.all([
    step.locked?.id === id ? step.locked : repos.bookings.findById(id),
    step.settings ?? loadSettings(repos),
  ]);
  if (!booking) throw new DomainError('NOT_FOUND', `Booking ${id} does not exist`);
  assertOwnBooking(actor, booking);
  if (step.expectedVersion !== undefined && step.expectedVersion !== booking.version) {
    throw new DomainError(
      'CONFLICT',
      `Booking ${id} was changed by someone else (it is now “${bookingStatusLabel(booking.status, booking.paymentStatus).label}”); refresh this booking and try again`,
      { currentVersion: booking.version },
    );
  }
  const decision = decideBookingTransition(step.action, actor, {
    bookingId: booking.id,
    state: { status: booking.status, paymentStatus: booking.paymentStatus },
    startsAt: booking.startsAt,
    endsAt: booking.endsAt,
    minutes: booking.minutes,
    now,
    reason: step.reason,
    paymentWindowMinutes: settings.paymentWindowMinutes,
    ...step.extra,
  });
  const written = await repos.bookings.applyTransition(
    booking.id,
    booking.version,
    decision.to,
    {
      updatedAt: now,
      ...(decision.to.status === 'CANCELLED' && booking.status !== 'CANCELLED'
        ? { cancelReason: decision.reason }
        : {}),
      ...(step.move?.apply ? { moveTo: { startsAt: step.move.to, endsAt: step.move.endsAt } } : {}),
    },
    {
      ...bookingTransitionRecord(actor, step.action, booking, decision.to, decision.reason, now),
      ...(step.move ? { fromStartsAt: step.move.from, toStartsAt: step.move.to } : {}),
    },
  );
  if (!written) {
    const current = await repos.bookings.findById(id);
    throw new DomainError(
      'CONFLICT',
      `Booking ${id} was changed by someone else while you acted (${current ? `it is now “${bookingStatusLabel(current.status, current.paymentStatus).label}”` : 'it is gone'}); refresh this booking and try again`,
    );
  }
  // R53: a booking that leaves CONFIRMED (cancelled, completed…) closes any open request to move it.
  if (booking.status === 'CONFIRMED' && decision.to.status !== 'CONFIRMED') {
    const open = await repos.bookings.openReschedule(booking.id);
    if (open)
      await repos.bookings.closeReschedule(open.id, {
        status: 'EXPIRED',
        byKind: actor.kind,
        byId: actor.kind === 'SYSTEM' ? null : actor.id,
        reason: `The booking was ${decision.to.status.toLowerCase()}`,
        at: now,
      });
  }
  await materialize(
    repos,
    now,
    actor,
    written.booking,
    written.transitionId,
    decision.effects,
    decision.reason,
    changes,
    step.move ? { from: step.move.from, to: step.move.to } : undefined,
  );
  await repos.audit.append({
    actorStaffId: actor.kind === 'STAFF' ? actor.id : null,
    actorRole: recordedRoleOf(actor),
    action: `booking.${step.action}`,
    entity: 'Booking',
    entityId: String(booking.id),
    data: {
      from: { status: booking.status, paymentStatus: booking.paymentStatus },
      to: decision.to,
      reason: decision.reason,
      ...(step.move ? { fromStartsAt: step.move.from, toStartsAt: step.move.to } : {}),
    },
    at: now,
  });
  changes.booking(written.booking, step.action);
  return { booking: written.booking, from: booking };
}
