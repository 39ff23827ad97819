import { type Actor } from '../../domain/actors';
import { decideBookingTransition, type BookingAction, type BookingContext } from '../../domain/booking-machine';
import { MINUTE_MS } from '../../domain/clock';
import { DomainError } from '../../domain/errors';
import { auditEntry } from '../audit';
import { inTransaction, type ServiceDeps } from '../context';
import { applyBookingTransition, bookingTransitionRecord } from '../lifecycle/booking';
import { bookingEffectDrafts } from '../lifecycle/outbox-drafts';
import type { SubmitRefund } from '../refunds/submission';
import { loadSettings } from '../settings';
import { implement } from '../use-case';
import { quoteWith } from './quotes';
import { BOOKING_USE_CASES } from './specs';
import { bookingView, type BookingView } from './views';

/** The booking use cases that change a booking: each one transaction through the booking table. */
export function createBookingCommands(deps: ServiceDeps, submitRefund: SubmitRefund) {
  const { uow, clock } = deps;

  /**
   * The shape every booking command follows: load, decide through the transition table, then write
   * the new state, its transition record, its effects and an audit entry in one transaction. A
   * stale version means someone else acted first: CONFLICT, nothing written.
   */
  async function transition(
    actor: Actor,
    action: BookingAction,
    id: number,
    options: { reason?: string | undefined; expectedVersion?: number | undefined },
  ): Promise<BookingView> {
    return inTransaction(deps, async (repos, changes) => {
      const { booking } = await applyBookingTransition(repos, clock.now(), actor, id, { action, ...options }, changes);
      return bookingView(repos, booking);
    });
  }

  /** R10: a new booking, PENDING / UNPAID, priced on the server from the gig's stored rate (R6). */
  const create = implement(BOOKING_USE_CASES.create, async (actor, input) => {
    if (actor.kind === 'STUDENT' && actor.id !== input.studentId) {
      throw new DomainError('FORBIDDEN', 'Students can only book for themselves');
    }
    return inTransaction(deps, async (repos, changes): Promise<BookingView> => {
      const now = clock.now();
      // Loaded side by side: in one round trip to the database (driver-transaction.ts).
      const [student, gig, settings] = await Promise.all([
        repos.people.findStudent(input.studentId),
        repos.people.findGig(input.gigId),
        loadSettings(repos),
      ]);
      if (!student) throw new DomainError('NOT_FOUND', `Student ${input.studentId} does not exist`);
      if (!gig) throw new DomainError('NOT_FOUND', `Gig ${input.gigId} does not exist`);
      const startsAt = input.startsAt;
      const endsAt = new Date(startsAt.getTime() + input.minutes * MINUTE_MS);
      // Serialize creations for this teacher so two overlapping requests cannot both pass the check:
      // the overlap is read after the lock, sent with it in this order on the transaction's connection
      // (which runs them in the order sent), so it is read under the lock, in one round trip.
      const [teacher, overlaps] = await Promise.all([
        repos.people.lockTeacher(gig.teacherId),
        repos.bookings.hasTeacherOverlap(gig.teacherId, startsAt, endsAt),
      ]);
      if (!teacher) throw new DomainError('NOT_FOUND', `Teacher ${gig.teacherId} does not exist`);
      const context: BookingContext = {
        state: null,
        startsAt,
        endsAt,
        minutes: input.minutes,
        now,
        creation: {
          gigActive: gig.active,
          studentIsTeacher: student.email === teacher.email,
          overlapsTeacherBooking: overlaps,
        },
      };
      const decision = decideBookingTransition('create', actor, context);
      const quote = quoteWith(settings, gig, input.minutes);
      const { booking, transitionId } = await repos.bookings.insert(
        {
          studentId: student.id,
          teacherId: teacher.id,
          gigId: gig.id,
          startsAt,
          endsAt,
          minutes: input.minutes,
          status: decision.to.status,
          paymentStatus: decision.to.paymentStatus,
          notes: input.notes ?? null,
          currency: quote.currency,
          hourlyRateMinor: quote.hourlyRateMinor,
          baseMinor: quote.baseMinor,
          feeMinor: quote.feeMinor,
          totalMinor: quote.totalMinor,
          teacherMinor: quote.teacherMinor,
          platformMinor: quote.platformMinor,
          feeRateBps: quote.feeRateBps,
          minimumFeeMinor: quote.minimumFeeMinor,
          createdAt: now,
        },
        bookingTransitionRecord(actor, 'create', null, decision.to, null, now),
      );
      await repos.outbox.enqueue(bookingEffectDrafts(booking.id, transitionId, decision.effects));
      changes.outbox = true;
      await repos.audit.append(
        auditEntry(actor, 'booking.create', 'Booking', booking.id, now, {
          totalMinor: booking.totalMinor,
          currency: booking.currency,
        }),
      );
      changes.booking(booking, 'create');
      return { ...booking, meetingJoinUrl: null, rescheduleRequest: null };
    });
  });

  const confirm = implement(BOOKING_USE_CASES.confirm, (actor, input) =>
    transition(actor, 'confirm', input.id, { expectedVersion: input.expectedVersion }),
  );
  const decline = implement(BOOKING_USE_CASES.decline, (actor, input) =>
    transition(actor, 'decline', input.id, { reason: input.reason, expectedVersion: input.expectedVersion }),
  );
  /** R13 (unpaid bookings; a paid one is cancelled with a refund, R18). */
  const cancel = implement(BOOKING_USE_CASES.cancel, (actor, input) =>
    transition(actor, 'cancel', input.id, { reason: input.reason, expectedVersion: input.expectedVersion }),
  );
  const complete = implement(BOOKING_USE_CASES.complete, (actor, input) =>
    transition(actor, 'complete', input.id, { expectedVersion: input.expectedVersion }),
  );

  /**
   * R18 with R27: the booking is cancelled, the meeting deleted and both told at once; the full
   * refund (filed, approved, by the table) goes to Stripe right after the commit, and the payment and
   * booking show it refunded only when Stripe says it succeeded. If it fails the booking stays
   * cancelled and the payment shows the failed refund for staff to act on.
   */
  const cancelPaid = implement(BOOKING_USE_CASES.cancelPaid, async (actor, input) => {
    const refundIds = await inTransaction(deps, async (repos, changes) => {
      await repos.bookings.lock(input.id);
      await applyBookingTransition(
        repos,
        clock.now(),
        actor,
        input.id,
        { action: 'cancel_paid', reason: input.reason, expectedVersion: input.expectedVersion },
        changes,
      );
      return [...changes.refunds.keys()];
    });
    for (const id of refundIds) await submitRefund(id);
    const booking = await uow.read.bookings.findById(input.id);
    if (!booking) throw new DomainError('NOT_FOUND', `Booking ${input.id} does not exist`);
    return bookingView(uow.read, booking);
  });

  /** R16/R17 for the system's sweeps: one booking at a time, each its own transaction. */
  async function systemStep(action: 'expire_payment_window' | 'complete', id: number): Promise<BookingView> {
    const system: Actor = { kind: 'SYSTEM', process: action === 'complete' ? 'auto-complete' : 'payment-window' };
    return transition(system, action, id, {});
  }

  return { create, confirm, decline, cancel, complete, cancelPaid, systemStep };
}
