import { recordedRoleOf, type Actor } from '../domain/actors';
import {
  availableBookingActions,
  decideBookingTransition,
  type BookingAction,
  type BookingContext,
} from '../domain/booking-machine';
import { nextStepFor, type NextStep } from '../domain/guidance';
import { MINUTE_MS } from '../domain/clock';
import type { Effect } from '../domain/effects';
import { DomainError } from '../domain/errors';
import { assertStaffCan, roleCan, type Permission } from '../domain/permissions';
import { quoteSession, type Quote } from '../domain/pricing';
import {
  bookingActionInput,
  bookingReasonActionInput,
  createBookingInput,
  idSchema,
  listBookingsInput,
} from '../../shared/schemas';
import { z } from 'zod';
import { auditEntry } from './audit';
import type { ServiceDeps } from './context';
import { outboxDraftsFor } from './outbox-effects';
import type {
  BookingListRow,
  BookingQueueFilter,
  BookingRecord,
  MeetingRecord,
  NewTransition,
  Repositories,
  SentEmailRecord,
  TransitionRecord,
} from './ports';
import { loadSettings, minimumFeeFor } from './settings';
import { parseInput } from './validation';

export interface BookingPage {
  items: BookingListRow[];
  nextCursor: string | null;
}

export interface BookingDetail {
  booking: BookingRecord;
  student: { id: number; name: string; email: string; timezone: string };
  teacher: { id: number; name: string; email: string; timezone: string };
  gig: { id: number; title: string; language: string };
  transitions: TransitionRecord[];
  notifications: { key: string; kind: string; status: string; payload: unknown }[];
  meeting: MeetingRecord | null;
  emails: SentEmailRecord[];
}

const CURSOR_SCHEMA = z.object({ at: z.iso.datetime(), id: z.number().int().positive() });

export function encodeCursor(at: Date, id: number): string {
  return Buffer.from(JSON.stringify({ at: at.toISOString(), id })).toString('base64url');
}

function decodeCursor(cursor: string): { at: Date; id: number } {
  try {
    const parsed = CURSOR_SCHEMA.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return { at: new Date(parsed.at), id: parsed.id };
  } catch {
    throw new DomainError('VALIDATION', 'Invalid cursor: use the nextCursor value of the previous page');
  }
}

function transitionRecord(
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

/** Students and teachers act only on their own bookings; staff on any (within their role). */
function assertOwnBooking(actor: Actor, booking: BookingRecord): void {
  if (actor.kind === 'STUDENT' && actor.id !== booking.studentId) {
    throw new DomainError('FORBIDDEN', `Booking ${booking.id} belongs to another student`);
  }
  if (actor.kind === 'TEACHER' && actor.id !== booking.teacherId) {
    throw new DomainError('FORBIDDEN', `Booking ${booking.id} belongs to another teacher`);
  }
}

const ACTION_PERMISSION: Partial<Record<BookingAction, Permission>> = {
  confirm: 'bookings.confirm',
  decline: 'bookings.decline',
  cancel: 'bookings.cancelUnpaid',
  complete: 'bookings.complete',
  cancel_paid: 'bookings.cancelPaid',
};

export interface TransitionOptions {
  reason?: string | undefined;
  expectedVersion?: number | undefined;
  extra?: Partial<BookingContext>;
  /** Effects the caller performs itself inside its own flow (a refund already made at Stripe). */
  handledEffects?: readonly Effect['type'][];
}

/**
 * One booking transition inside the caller's transaction: load, decide through the table, write
 * the state, its transition record, its outbox messages and an audit entry. Payment and refund use
 * cases call it so the booking and the payment change together or not at all.
 */
export async function applyBookingTransition(
  repos: Repositories,
  now: Date,
  actor: Actor,
  action: BookingAction,
  id: number,
  options: TransitionOptions,
): Promise<{ booking: BookingRecord; from: BookingRecord }> {
  const booking = await repos.bookings.findById(id);
  if (!booking) throw new DomainError('NOT_FOUND', `Booking ${id} does not exist`);
  assertOwnBooking(actor, booking);
  if (options.expectedVersion !== undefined && options.expectedVersion !== booking.version) {
    throw new DomainError(
      'CONFLICT',
      `Booking ${id} was changed by someone else (it is now ${booking.status}, payment ${booking.paymentStatus}); reload it and try again`,
      { currentVersion: booking.version },
    );
  }
  const settings = await loadSettings(repos);
  const decision = decideBookingTransition(action, actor, {
    bookingId: booking.id,
    state: { status: booking.status, paymentStatus: booking.paymentStatus },
    startsAt: booking.startsAt,
    endsAt: booking.endsAt,
    minutes: booking.minutes,
    now,
    reason: options.reason,
    paymentWindowMinutes: settings.paymentWindowMinutes,
    ...options.extra,
  });
  const written = await repos.bookings.applyTransition(
    booking.id,
    booking.version,
    decision.to,
    { updatedAt: now, ...(decision.to.status === 'CANCELLED' ? { cancelReason: decision.reason } : {}) },
    transitionRecord(actor, action, booking, decision.to, decision.reason, now),
  );
  if (!written) {
    const current = await repos.bookings.findById(id);
    throw new DomainError(
      'CONFLICT',
      `Booking ${id} was changed by someone else while you acted (it is now ${current?.status ?? 'gone'}); reload it and try again`,
    );
  }
  const handled = new Set(options.handledEffects ?? []);
  await repos.outbox.enqueue(
    outboxDraftsFor(
      booking.id,
      written.transitionId,
      decision.effects.filter((effect) => !handled.has(effect.type)),
    ),
  );
  await repos.audit.append(
    auditEntry(actor, `booking.${action}`, 'Booking', booking.id, now, {
      from: { status: booking.status, paymentStatus: booking.paymentStatus },
      to: decision.to,
      reason: decision.reason,
    }),
  );
  return { booking: written.booking, from: booking };
}

export function createBookingService(deps: ServiceDeps) {
  const { uow, clock, events } = deps;

  const announce = (booking: BookingRecord, action: string): BookingRecord => {
    events?.publish({
      type: 'booking.changed',
      bookingId: booking.id,
      action,
      status: booking.status,
      paymentStatus: booking.paymentStatus,
      version: booking.version,
      at: booking.updatedAt,
    });
    return booking;
  };

  async function quoteFor(
    repos: Repositories,
    gig: { hourlyRateMinor: number; currency: Quote['currency'] },
    minutes: number,
  ): Promise<Quote> {
    const settings = await loadSettings(repos);
    return quoteSession({
      hourlyRateMinor: gig.hourlyRateMinor,
      minutes,
      currency: gig.currency,
      feeRateBps: settings.feeRateBps,
      minimumFeeMinor: minimumFeeFor(settings, gig.currency),
    });
  }

  /**
   * The shape every booking use case follows: load, decide through the transition table, then
   * write the new state, its transition record, its outbox messages and an audit entry in one
   * transaction. A stale version means someone else acted first: CONFLICT, nothing written.
   */
  async function transition(
    actor: Actor,
    action: BookingAction,
    id: number,
    options: TransitionOptions,
  ): Promise<BookingRecord> {
    const permission = ACTION_PERMISSION[action];
    if (permission) assertStaffCan(actor, permission);
    const booking = await uow.transaction(
      async (repos) => (await applyBookingTransition(repos, clock.now(), actor, action, id, options)).booking,
    );
    return announce(booking, action);
  }

  async function runSystemSweep(
    action: 'expire_payment_window' | 'complete',
    ids: number[],
  ): Promise<{ done: number[]; skipped: { id: number; reason: string }[] }> {
    const system: Actor = { kind: 'SYSTEM', process: action === 'complete' ? 'auto-complete' : 'payment-window' };
    const done: number[] = [];
    const skipped: { id: number; reason: string }[] = [];
    for (const id of ids) {
      try {
        await transition(system, action, id, {});
        done.push(id);
      } catch (error) {
        // Someone acted on it in the meantime, or a guard no longer holds: leave it for the next sweep.
        if (error instanceof DomainError) skipped.push({ id, reason: error.message });
        else throw error;
      }
    }
    return { done, skipped };
  }

  return {
    /** The price a booking of this gig and length would have now (shown before submitting). */
    async quote(actor: Actor, input: unknown): Promise<Quote> {
      assertStaffCan(actor, 'bookings.read');
      const data = parseInput(
        z.object({ gigId: idSchema, minutes: z.number().int('minutes must be a whole number') }),
        input,
        'quote request',
      );
      const gig = await uow.read.people.findGig(data.gigId);
      if (!gig) throw new DomainError('NOT_FOUND', `Gig ${data.gigId} does not exist`);
      return quoteFor(uow.read, gig, data.minutes);
    },

    /** R10: a new booking, PENDING / UNPAID, priced on the server from the gig's stored rate (R6). */
    async create(actor: Actor, input: unknown): Promise<BookingRecord> {
      assertStaffCan(actor, 'bookings.create');
      const data = parseInput(createBookingInput, input, 'booking');
      if (actor.kind === 'STUDENT' && actor.id !== data.studentId) {
        throw new DomainError('FORBIDDEN', 'Students can only book for themselves');
      }
      const created = await uow.transaction(async (repos) => {
        const now = clock.now();
        const student = await repos.people.findStudent(data.studentId);
        if (!student) throw new DomainError('NOT_FOUND', `Student ${data.studentId} does not exist`);
        const gig = await repos.people.findGig(data.gigId);
        if (!gig) throw new DomainError('NOT_FOUND', `Gig ${data.gigId} does not exist`);
        const teacher = await repos.people.findTeacher(gig.teacherId);
        if (!teacher) throw new DomainError('NOT_FOUND', `Teacher ${gig.teacherId} does not exist`);
        // Serialize creations for this teacher so two overlapping requests cannot both pass the check.
        await repos.people.lockTeacher(teacher.id);
        const startsAt = data.startsAt;
        const endsAt = new Date(startsAt.getTime() + data.minutes * MINUTE_MS);
        const context: BookingContext = {
          state: null,
          startsAt,
          endsAt,
          minutes: data.minutes,
          now,
          creation: {
            gigActive: gig.active,
            studentIsTeacher: student.email === teacher.email,
            overlapsTeacherBooking: await repos.bookings.hasTeacherOverlap(teacher.id, startsAt, endsAt),
          },
        };
        const decision = decideBookingTransition('create', actor, context);
        const quote = await quoteFor(repos, gig, data.minutes);
        const { booking, transitionId } = await repos.bookings.insert(
          {
            studentId: student.id,
            teacherId: teacher.id,
            gigId: gig.id,
            startsAt,
            endsAt,
            minutes: data.minutes,
            status: decision.to.status,
            paymentStatus: decision.to.paymentStatus,
            notes: data.notes ?? null,
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
          transitionRecord(actor, 'create', null, decision.to, null, now),
        );
        await repos.outbox.enqueue(outboxDraftsFor(booking.id, transitionId, decision.effects));
        await repos.audit.append(
          auditEntry(actor, 'booking.create', 'Booking', booking.id, now, {
            totalMinor: booking.totalMinor,
            currency: booking.currency,
          }),
        );
        return booking;
      });
      return announce(created, 'create');
    },

    /** R11 */
    async confirm(actor: Actor, input: unknown): Promise<BookingRecord> {
      const data = parseInput(bookingActionInput, input, 'confirmation');
      return transition(actor, 'confirm', data.id, { expectedVersion: data.expectedVersion });
    },

    /** R12 */
    async decline(actor: Actor, input: unknown): Promise<BookingRecord> {
      const data = parseInput(bookingReasonActionInput, input, 'decline');
      return transition(actor, 'decline', data.id, { reason: data.reason, expectedVersion: data.expectedVersion });
    },

    /** R13 (unpaid bookings; a paid one is cancelled with a refund, R18). */
    async cancel(actor: Actor, input: unknown): Promise<BookingRecord> {
      const data = parseInput(bookingReasonActionInput, input, 'cancellation');
      return transition(actor, 'cancel', data.id, { reason: data.reason, expectedVersion: data.expectedVersion });
    },

    /** R17 (teacher or admin, after the end). */
    async complete(actor: Actor, input: unknown): Promise<BookingRecord> {
      const data = parseInput(bookingActionInput, input, 'completion');
      return transition(actor, 'complete', data.id, { expectedVersion: data.expectedVersion });
    },

    /**
     * R14/R15/R23 on the booking, for the payment use cases (Stripe arrives with them): the system
     * records a payment start, success or failure through the same table and transaction shape.
     */
    async applyPaymentTransition(
      actor: Actor,
      id: number,
      action: 'start_payment' | 'payment_succeeded' | 'payment_failed',
    ): Promise<BookingRecord> {
      return transition(actor, action, id, {});
    },

    /** R16: cancel every confirmed booking whose payment did not arrive by start − window. */
    async expireUnpaid(limit = 500): Promise<{ done: number[]; skipped: { id: number; reason: string }[] }> {
      const settings = await loadSettings(uow.read);
      const cutoff = new Date(clock.now().getTime() + settings.paymentWindowMinutes * MINUTE_MS);
      return runSystemSweep('expire_payment_window', await uow.read.bookings.findExpiredPaymentWindows(cutoff, limit));
    },

    /** R17 (system): complete paid sessions 24 h after they ended. */
    async autoComplete(limit = 500): Promise<{ done: number[]; skipped: { id: number; reason: string }[] }> {
      const endedBefore = new Date(clock.now().getTime() - 24 * 60 * MINUTE_MS);
      return runSystemSweep('complete', await uow.read.bookings.findCompletable(endedBefore, limit));
    },

    async get(actor: Actor, input: unknown): Promise<BookingDetail> {
      assertStaffCan(actor, 'bookings.read');
      const { id } = parseInput(z.object({ id: idSchema }), input, 'booking lookup');
      const booking = await uow.read.bookings.findById(id);
      if (!booking) throw new DomainError('NOT_FOUND', `Booking ${id} does not exist`);
      assertOwnBooking(actor, booking);
      const [student, teacher, gig, transitions, notifications, meeting, emails] = await Promise.all([
        uow.read.people.findStudent(booking.studentId),
        uow.read.people.findTeacher(booking.teacherId),
        uow.read.people.findGig(booking.gigId),
        uow.read.bookings.transitions(id),
        uow.read.outbox.listForBooking(id),
        uow.read.payments.findMeeting(id),
        uow.read.payments.emails(id),
      ]);
      if (!student || !teacher || !gig) throw new Error(`Booking ${id} refers to a missing student, teacher or gig`);
      return {
        booking,
        student: { id: student.id, name: student.name, email: student.email, timezone: student.timezone },
        teacher: { id: teacher.id, name: teacher.name, email: teacher.email, timezone: teacher.timezone },
        gig: { id: gig.id, title: gig.title, language: gig.language },
        transitions,
        notifications,
        meeting,
        emails,
      };
    },

    /** Keyset-paged queues and searches. */
    async list(actor: Actor, input: unknown): Promise<BookingPage> {
      assertStaffCan(actor, 'bookings.read');
      const data = parseInput(listBookingsInput, input ?? {}, 'booking list query');
      const limit = data.limit ?? 50;
      const sort = data.sort ?? 'startsAt';
      const rows = await uow.read.bookings.list({
        queue: data.queue,
        status: data.status,
        paymentStatus: data.paymentStatus,
        teacherId: actor.kind === 'TEACHER' ? actor.id : data.teacherId,
        studentId: actor.kind === 'STUDENT' ? actor.id : data.studentId,
        search: data.search,
        from: data.from,
        to: data.to,
        sort,
        after: data.cursor ? decodeCursor(data.cursor) : undefined,
        limit: limit + 1,
        now: clock.now(),
      });
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      const nextCursor =
        rows.length > limit && last
          ? encodeCursor(sort.endsWith('createdAt') ? last.createdAt : last.startsAt, last.id)
          : null;
      return { items, nextCursor };
    },

    /** For the detail screen: what happens next, and what this staff member may do now. */
    async guidance(
      actor: Actor,
      booking: BookingRecord,
    ): Promise<{ nextStep: NextStep; availableActions: BookingAction[] }> {
      assertStaffCan(actor, 'bookings.read');
      const settings = await loadSettings(uow.read);
      const state = { status: booking.status, paymentStatus: booking.paymentStatus };
      const availableActions = availableBookingActions(state, actor).filter((action) => {
        const permission = ACTION_PERMISSION[action];
        return permission !== undefined && (actor.kind !== 'STAFF' || roleCan(actor.role, permission));
      });
      return {
        nextStep: nextStepFor(state, booking.startsAt, booking.endsAt, clock.now(), settings.paymentWindowMinutes),
        availableActions,
      };
    },

    async queueCounts(actor: Actor): Promise<Record<BookingQueueFilter, number>> {
      assertStaffCan(actor, 'bookings.read');
      return uow.read.bookings.countByQueue(clock.now());
    },
  };
}

export type BookingService = ReturnType<typeof createBookingService>;
