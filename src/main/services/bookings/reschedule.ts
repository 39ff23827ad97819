import type { Actor } from '../../domain/actors';
import {
  rescheduleRequestExpiry,
  type BookingAction,
  type BookingParty,
  type RescheduleFacts,
} from '../../domain/booking-machine';
import { MINUTE_MS } from '../../domain/clock';
import { DomainError } from '../../domain/errors';
import { inTransaction, type Changes, type ServiceDeps } from '../context';
import { applyBookingTransition, assertOwnBooking } from '../lifecycle/booking';
import type { BookingRecord, RescheduleRequestRecord, Repositories } from '../ports';
import { loadSettings } from '../settings';
import { implement } from '../use-case';
import { BOOKING_PARTY_USE_CASES, BOOKING_USE_CASES } from './specs';
import { bookingView, type BookingView } from './views';

const SYSTEM: Actor = { kind: 'SYSTEM', process: 'reschedule-expiry' };

const partyOf = (actor: Actor): BookingParty | null =>
  actor.kind === 'STUDENT' || actor.kind === 'TEACHER' ? actor.kind : null;

/** A request as the console and the API show it (R53). */
export function rescheduleStatusOf(request: RescheduleRequestRecord | null) {
  if (!request) return { status: 'NONE' as const };
  return {
    status: request.status,
    requestedBy: request.requestedByKind,
    startsAt: request.startsAt,
    endsAt: request.endsAt,
    reason: request.reason,
    expiresAt: request.expiresAt,
    ...(request.answeredAt
      ? { answeredAt: request.answeredAt, answeredBy: request.answeredByKind, answerReason: request.answerReason }
      : {}),
  };
}

/**
 * Moving a booking (R51–R53), every step a row of the booking's table: a party asks and the other
 * accepts or declines, an unanswered request expires, or staff move it on both parties' behalf.
 * Moving never touches money (R52): the state and payment stay; a paid booking's meeting is moved
 * in place and both parties are told the new time, through the outbox.
 */
export function createRescheduleCommands(deps: ServiceDeps) {
  const { uow, clock } = deps;

  /** The facts the table decides on, read under the booking's and the teacher's locks. */
  async function factsFor(
    repos: Repositories,
    actor: Actor,
    booking: BookingRecord,
    newStart: Date | null,
  ): Promise<{ facts: RescheduleFacts; open: RescheduleRequestRecord | null }> {
    // One after another: in a transaction these share one connection, which runs one statement at a time.
    const settings = await loadSettings(repos);
    const open = await repos.bookings.openReschedule(booking.id);
    const endsAt = newStart ? new Date(newStart.getTime() + booking.minutes * MINUTE_MS) : undefined;
    return {
      open,
      facts: {
        ...(newStart && endsAt
          ? {
              startsAt: newStart,
              endsAt,
              overlapsTeacherBooking: await repos.bookings.hasTeacherOverlap(
                booking.teacherId,
                newStart,
                endsAt,
                booking.id,
              ),
            }
          : {}),
        movesSoFar: booking.rescheduleCount,
        maxMoves: settings.maxReschedules,
        open: open ? { requestedBy: open.requestedByKind, expiresAt: open.expiresAt } : null,
        actingParty: partyOf(actor),
      },
    };
  }

  /** Locks the booking (and its teacher, so two moves into one slot serialize) and loads it. */
  async function lockAndLoad(repos: Repositories, actor: Actor, id: number): Promise<BookingRecord> {
    const booking = await repos.bookings.lock(id);
    if (!booking) throw new DomainError('NOT_FOUND', `Booking ${id} does not exist`);
    assertOwnBooking(actor, booking);
    await repos.people.lockTeacher(booking.teacherId);
    return booking;
  }

  const closeOpen = async (
    repos: Repositories,
    open: RescheduleRequestRecord,
    status: 'ACCEPTED' | 'DECLINED' | 'EXPIRED',
    actor: Actor,
    reason: string | null,
  ) =>
    repos.bookings.closeReschedule(open.id, {
      status,
      byKind: actor.kind,
      byId: actor.kind === 'SYSTEM' ? null : actor.id,
      reason,
      at: clock.now(),
    });

  /** R51: staff move it at once on both parties' behalf (an open request is superseded). */
  const reschedule = implement(BOOKING_USE_CASES.reschedule, (actor, input) =>
    inTransaction(deps, async (repos, changes): Promise<BookingView> => {
      const booking = await lockAndLoad(repos, actor, input.id);
      const { facts, open } = await factsFor(repos, actor, booking, input.startsAt);
      const moved = await applyBookingTransition(
        repos,
        clock.now(),
        actor,
        booking.id,
        {
          action: 'reschedule',
          reason: input.reason,
          expectedVersion: input.expectedVersion,
          extra: { reschedule: facts },
          move: { from: booking.startsAt, to: input.startsAt, endsAt: facts.endsAt ?? booking.endsAt, apply: true },
        },
        changes,
      );
      if (open) await closeOpen(repos, open, 'EXPIRED', actor, `Superseded by a move made by staff: ${input.reason}`);
      return bookingView(repos, moved.booking);
    }),
  );

  /** R51: the student or the teacher asks to move it; the other party answers. */
  const requestReschedule = implement(BOOKING_PARTY_USE_CASES.requestReschedule, (actor, input) =>
    inTransaction(deps, async (repos, changes): Promise<BookingView> => {
      const party = partyOf(actor);
      if (!party) throw new DomainError('FORBIDDEN', 'Only the booking’s student or teacher can ask to move it');
      let booking = await lockAndLoad(repos, actor, input.id);
      // An earlier request past its expiry that the timer has not reached yet expires first (R53).
      const stale = await repos.bookings.openReschedule(booking.id);
      if (stale && stale.expiresAt <= clock.now()) booking = await expire(repos, changes, booking, stale);
      const { facts } = await factsFor(repos, actor, booking, input.startsAt);
      const now = clock.now();
      const asked = await applyBookingTransition(
        repos,
        now,
        actor,
        booking.id,
        {
          action: 'request_reschedule',
          reason: input.reason,
          extra: { reschedule: facts },
          move: { from: booking.startsAt, to: input.startsAt, endsAt: facts.endsAt ?? booking.endsAt, apply: false },
        },
        changes,
      );
      await repos.bookings.createReschedule({
        bookingId: booking.id,
        requestedByKind: party,
        requestedById: actor.kind === 'SYSTEM' ? 0 : actor.id,
        fromStartsAt: booking.startsAt,
        startsAt: input.startsAt,
        endsAt: facts.endsAt ?? booking.endsAt,
        reason: input.reason,
        expiresAt: rescheduleRequestExpiry(now, booking.startsAt),
        createdAt: now,
      });
      return bookingView(repos, asked.booking);
    }),
  );

  /** R51/R52: the other party accepts (the booking moves) or declines (it stays). */
  const respondReschedule = implement(BOOKING_PARTY_USE_CASES.respondReschedule, (actor, input) =>
    inTransaction(deps, async (repos, changes): Promise<BookingView> => {
      if (!partyOf(actor)) throw new DomainError('FORBIDDEN', 'Only the booking’s student or teacher can answer');
      const booking = await lockAndLoad(repos, actor, input.id);
      const open = await repos.bookings.openReschedule(booking.id);
      const { facts } = await factsFor(repos, actor, booking, input.accept && open ? open.startsAt : null);
      const action: BookingAction = input.accept ? 'accept_reschedule' : 'decline_reschedule';
      const answered = await applyBookingTransition(
        repos,
        clock.now(),
        actor,
        booking.id,
        {
          action,
          reason: input.reason ?? undefined,
          extra: { reschedule: facts },
          ...(open
            ? { move: { from: booking.startsAt, to: open.startsAt, endsAt: open.endsAt, apply: input.accept } }
            : {}),
        },
        changes,
      );
      // The table refused without an open request; here there is one.
      if (open) await closeOpen(repos, open, input.accept ? 'ACCEPTED' : 'DECLINED', actor, input.reason ?? null);
      return bookingView(repos, answered.booking);
    }),
  );

  /** The `expire_reschedule` row for an open request past its expiry; returns the booking after it. */
  async function expire(
    repos: Repositories,
    changes: Changes,
    booking: BookingRecord,
    open: RescheduleRequestRecord,
  ): Promise<BookingRecord> {
    const { facts } = await factsFor(repos, SYSTEM, booking, null);
    const expired = await applyBookingTransition(
      repos,
      clock.now(),
      SYSTEM,
      booking.id,
      {
        action: 'expire_reschedule',
        extra: { reschedule: facts },
        move: { from: booking.startsAt, to: open.startsAt, endsAt: open.endsAt, apply: false },
      },
      changes,
    );
    await closeOpen(repos, open, 'EXPIRED', SYSTEM, null);
    return expired.booking;
  }

  /** R53: open requests past their expiry (the earlier of 48 h or the original start), for the timer. */
  async function expireRequests(limit = 200): Promise<number> {
    let expired = 0;
    for (const id of await uow.read.bookings.findExpiredRescheduleRequests(clock.now(), limit)) {
      try {
        await inTransaction(deps, async (repos, changes) => {
          const booking = await lockAndLoad(repos, SYSTEM, id);
          const open = await repos.bookings.openReschedule(booking.id);
          if (!open || open.expiresAt > clock.now()) return;
          await expire(repos, changes, booking, open);
          expired += 1;
        });
      } catch (error) {
        // Refused by the table (the booking changed meanwhile): nothing is written outside it. A booking
        // that leaves CONFIRMED closes its open request in that same transition (lifecycle/booking.ts),
        // so this request is either closed already or expired on a later pass.
        if (!(error instanceof DomainError)) throw error;
      }
    }
    return expired;
  }

  const rescheduleRequest = implement(BOOKING_USE_CASES.rescheduleRequest, async (actor, input) => {
    const booking = await uow.read.bookings.findById(input.id);
    if (!booking) throw new DomainError('NOT_FOUND', `Booking ${input.id} does not exist`);
    assertOwnBooking(actor, booking);
    return rescheduleStatusOf(await uow.read.bookings.latestReschedule(booking.id));
  });

  return { reschedule, requestReschedule, respondReschedule, rescheduleRequest, expireRequests };
}
