import { z } from 'zod';
import { DomainError } from '../../domain/errors';
import { canSeeMeetingSecrets } from '../../domain/permissions';
import { nextStepFor } from '../../domain/guidance';
import type { ServiceDeps } from '../context';
import { assertOwnBooking } from '../lifecycle/booking';
import type { BookingListRow, BookingQueueFilter } from '../ports';
import { loadSettings } from '../settings';
import { implement } from '../use-case';
import { actionsFor } from './actions';
import { quoteFor } from './quotes';
import { rescheduleStatusOf } from './reschedule';
import { BOOKING_USE_CASES } from './specs';

const CURSOR_SCHEMA = z.object({
  at: z.iso.datetime(),
  id: z.number().int().positive(),
  /** The 'upcoming' sort's dividing instant, fixed by its first page. */
  pivot: z.iso.datetime().optional(),
});

export function encodeCursor(at: Date, id: number, pivot?: Date): string {
  const key = { at: at.toISOString(), id, ...(pivot ? { pivot: pivot.toISOString() } : {}) };
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string): { at: Date; id: number; pivot?: Date } {
  try {
    const parsed = CURSOR_SCHEMA.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return { at: new Date(parsed.at), id: parsed.id, ...(parsed.pivot ? { pivot: new Date(parsed.pivot) } : {}) };
  } catch {
    throw new DomainError('VALIDATION', 'Invalid cursor: use the nextCursor value of the previous page', {
      fields: { cursor: ['use the nextCursor value of the previous page'] },
    });
  }
}

export interface BookingPage {
  items: BookingListRow[];
  nextCursor: string | null;
}

export function createBookingQueries(deps: ServiceDeps) {
  const { uow, clock } = deps;

  /** One booking with everything its page shows: people, history, money, deliveries, what to do next. */
  const get = implement(BOOKING_USE_CASES.get, async (actor, input) => {
    const booking = await uow.read.bookings.findById(input.id);
    if (!booking) throw new DomainError('NOT_FOUND', `Booking ${input.id} does not exist`);
    assertOwnBooking(actor, booking);
    const [
      student,
      teacher,
      gig,
      transitions,
      moneyTransitions,
      notifications,
      meeting,
      emails,
      payments,
      settings,
      latestReschedule,
    ] = await Promise.all([
      uow.read.people.findStudent(booking.studentId),
      uow.read.people.findTeacher(booking.teacherId),
      uow.read.people.findGig(booking.gigId),
      uow.read.bookings.transitions(booking.id),
      uow.read.transitions.forBooking(booking.id),
      uow.read.outbox.listForBooking(booking.id),
      uow.read.deliveries.findMeeting(booking.id),
      uow.read.deliveries.emails(booking.id),
      uow.read.payments.forBooking(booking.id),
      loadSettings(uow.read),
      uow.read.bookings.latestReschedule(booking.id),
    ]);
    const openReschedule = latestReschedule?.status === 'REQUESTED' ? latestReschedule : null;
    // The timeline names the staff who acted (not "ADMIN #1"): both four-eyes approvers included.
    const staffIds = [...transitions, ...moneyTransitions]
      .filter((transition) => transition.actorKind === 'STAFF' && transition.actorId !== null)
      .map((transition) => transition.actorId as number);
    const staffNames = staffIds.length > 0 ? await uow.read.staff.names([...new Set(staffIds)]) : new Map();
    if (!student || !teacher || !gig)
      throw new Error(`Booking ${booking.id} refers to a missing student, teacher or gig`);
    const reserved = new Map(
      await Promise.all(
        payments.map(async (payment) => [payment.id, await uow.read.refunds.reservedMinor(payment.id)] as const),
      ),
    );
    const now = clock.now();
    const state = { status: booking.status, paymentStatus: booking.paymentStatus };
    const actions = actionsFor(
      actor,
      {
        bookingId: booking.id,
        state,
        startsAt: booking.startsAt,
        endsAt: booking.endsAt,
        minutes: booking.minutes,
        now,
        paymentWindowMinutes: settings.paymentWindowMinutes,
        reschedule: {
          movesSoFar: booking.rescheduleCount,
          maxMoves: settings.maxReschedules,
          open: openReschedule
            ? { requestedBy: openReschedule.requestedByKind, expiresAt: openReschedule.expiresAt }
            : null,
          actingParty: actor.kind === 'STUDENT' || actor.kind === 'TEACHER' ? actor.kind : null,
        },
      },
      payments,
      (paymentId) => reserved.get(paymentId) ?? 0,
    );
    return {
      booking,
      student: { id: student.id, name: student.name, email: student.email, timezone: student.timezone },
      teacher: { id: teacher.id, name: teacher.name, email: teacher.email, timezone: teacher.timezone },
      gig: { id: gig.id, title: gig.title, language: gig.language },
      transitions,
      moneyTransitions,
      /** Who each staff actor of the timelines is, by id. */
      staffNames: Object.fromEntries(staffNames) as Record<number, string>,
      notifications,
      // R34: the host link and the meeting password only to whom may see them (admins, the host).
      meeting:
        meeting && !canSeeMeetingSecrets(actor, booking) ? { ...meeting, startUrl: null, password: null } : meeting,
      emails,
      nextStep: nextStepFor(state, booking.startsAt, booking.endsAt, now, settings.paymentWindowMinutes),
      /** R53: the latest request to move it (NONE when there was none). */
      rescheduleRequest: rescheduleStatusOf(latestReschedule),
      actions,
      availableActions: actions.filter((offer) => offer.open).map((offer) => offer.action),
    };
  });

  /** Keyset-paged queues and searches. */
  const list = implement(BOOKING_USE_CASES.list, async (actor, input): Promise<BookingPage> => {
    const limit = input.limit ?? 50;
    // Someone searching mostly wants what is coming up, not the oldest match (issue 12, point 9).
    const sort = input.sort ?? (input.search?.trim() ? 'upcoming' : 'startsAt');
    const after = input.cursor ? decodeCursor(input.cursor) : undefined;
    const now = clock.now();
    if (sort === 'upcoming' && after && !after.pivot)
      throw new DomainError('VALIDATION', 'Invalid cursor: use the nextCursor value of the previous page', {
        fields: { cursor: ['this cursor belongs to another sort order; use the nextCursor of the previous page'] },
      });
    const pivot = sort === 'upcoming' ? (after?.pivot ?? now) : undefined;
    const rows = await uow.read.bookings.list({
      queue: input.queue,
      status: input.status,
      paymentStatus: input.paymentStatus,
      teacherId: actor.kind === 'TEACHER' ? actor.id : input.teacherId,
      studentId: actor.kind === 'STUDENT' ? actor.id : input.studentId,
      search: input.search,
      from: input.from,
      to: input.to,
      sort,
      after,
      pivot,
      limit: limit + 1,
      now,
    });
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    const nextCursor =
      rows.length > limit && last
        ? encodeCursor(sort.endsWith('createdAt') ? last.createdAt : last.startsAt, last.id, pivot)
        : null;
    return { items, nextCursor };
  });

  const counts = implement(BOOKING_USE_CASES.counts, async (): Promise<Record<BookingQueueFilter, number>> =>
    uow.read.bookings.countByQueue(clock.now()),
  );

  /** The price a booking of this gig and length would have now (shown before submitting). */
  const quote = implement(BOOKING_USE_CASES.quote, async (_actor, input) => {
    const gig = await uow.read.people.findGig(input.gigId);
    if (!gig) throw new DomainError('NOT_FOUND', `Gig ${input.gigId} does not exist`);
    return quoteFor(uow.read, gig, input.minutes);
  });

  return { get, list, counts, quote };
}

export type BookingDetail = Awaited<ReturnType<ReturnType<typeof createBookingQueries>['get']['run']>>;
