import { z } from 'zod';
import type { Actor } from '../domain/actors';
import { DomainError } from '../domain/errors';
import { nextStepFor, type NextStep } from '../domain/guidance';
import { roleCan } from '../domain/permissions';
import { payoutStatusOf, type TeacherPayoutStatus } from '../domain/payouts';
import { idSchema, textSchema, wholeNumber } from '../../shared/schemas';
import { createBookingQueries } from './bookings/queries';
import type { ServiceDeps } from './context';
import { defaultFirst } from './payments/methods';
import type { BookingListRow, GigRecord } from './ports';
import { refundsInContext, type RefundInContext } from './refunds/context';
import { OPEN_REFUND_STATUSES } from '../domain/refund-machine';
import { loadSettings } from './settings';
import { implement, spec } from './use-case';

/** How many of a person's bookings, payments and refund requests a page shows at first. */
export const PEOPLE_PAGE_SIZE = 50;

/**
 * The support console's people pages (R32): a student's or a teacher's contact, time zone and
 * bookings (newest first, paged as the queues are, each open one with its next step in plain words);
 * a student's saved cards (display data only, R20), payments and refund requests; a teacher's gigs,
 * and — for those who may read payouts only — their Stripe account and payout status.
 */
export const PEOPLE_PAGE_USE_CASES = {
  student: spec('people.student', 'people.read', z.object({ id: idSchema })),
  teacher: spec('people.teacher', 'people.read', z.object({ id: idSchema })),
  bookings: spec(
    'people.bookings',
    'bookings.read',
    z
      .object({
        studentId: idSchema.optional(),
        teacherId: idSchema.optional(),
        // The boundary's building blocks: no NUL or lone surrogate in a cursor (it reaches a query).
        cursor: textSchema(200, { required: false, trim: false }).optional(),
        limit: wholeNumber({ min: 1, max: 200, field: 'limit' }).optional(),
      })
      .refine((input) => (input.studentId === undefined) !== (input.teacherId === undefined), {
        error: 'give either studentId or teacherId',
      }),
  ),
};

/** A booking row of a person's page: the queue table's columns and, while it is open, what happens next. */
export type PersonBookingRow = BookingListRow & { nextStep: NextStep | null };

/** R20: what a saved card shows — never more. */
export interface SavedCardView {
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  isDefault: boolean;
}

export interface StudentPaymentView {
  id: number;
  bookingId: number;
  status: string;
  currency: string;
  amountMinor: number;
  refundedMinor: number;
  /** Reserved by open refund requests. */
  reservedMinor: number;
  card: { brand: string; last4: string } | null;
  paidAt: Date | null;
  createdAt: Date;
}

interface PersonPage {
  id: number;
  name: string;
  email: string;
  timezone: string;
  createdAt: Date;
  bookings: PersonBookingRow[];
  /** Pass to people.bookings as `cursor` for the next page; null when there is none. */
  bookingsNextCursor: string | null;
}

export interface StudentPage extends PersonPage {
  methods: SavedCardView[];
  payments: StudentPaymentView[];
  /** Open requests first, then the most recent others. */
  refundRequests: RefundInContext[];
}

export interface TeacherPage extends PersonPage {
  gigs: GigRecord[];
  /** Finance data: present only for roles that may read payouts. */
  stripeAccountId?: string | null;
  payoutStatus?: TeacherPayoutStatus;
}

const OPEN_BOOKING = new Set(['PENDING', 'CONFIRMED']);

/** Whether the actor may see a teacher's Connect account (finance data, R31): staff with `payouts.read`. */
function readsPayouts(actor: Actor): boolean {
  return actor.kind === 'STAFF' && roleCan(actor.role, 'payouts.read');
}

export function createPeoplePages(deps: ServiceDeps) {
  const { uow, clock } = deps;
  const bookingQueries = createBookingQueries(deps);

  /** One page of a person's bookings, newest first, as the queues page them (keyset cursor). */
  async function bookingPage(
    actor: Actor,
    filter: { studentId: number } | { teacherId: number },
    cursor: string | undefined,
    limit: number,
  ): Promise<{ items: PersonBookingRow[]; nextCursor: string | null }> {
    const [page, settings] = await Promise.all([
      bookingQueries.list.run(actor, { ...filter, sort: '-createdAt', cursor, limit }),
      loadSettings(uow.read),
    ]);
    const now = clock.now();
    return {
      items: page.items.map((row) => ({
        ...row,
        nextStep: OPEN_BOOKING.has(row.status)
          ? nextStepFor(row, row.startsAt, row.endsAt, now, settings.paymentWindowMinutes)
          : null,
      })),
      nextCursor: page.nextCursor,
    };
  }

  const student = implement(PEOPLE_PAGE_USE_CASES.student, async (actor, input): Promise<StudentPage> => {
    const found = await uow.read.people.findStudent(input.id);
    if (!found) throw new DomainError('NOT_FOUND', `Student ${input.id} does not exist`);
    const [bookings, methods, payments, open, recent] = await Promise.all([
      bookingPage(actor, { studentId: found.id }, undefined, PEOPLE_PAGE_SIZE),
      uow.read.payments.methods(found.id),
      uow.read.payments.listForParty({ studentId: found.id, limit: PEOPLE_PAGE_SIZE }),
      uow.read.refunds.list({ studentId: found.id, statuses: OPEN_REFUND_STATUSES, limit: PEOPLE_PAGE_SIZE }),
      uow.read.refunds.list({ studentId: found.id, limit: PEOPLE_PAGE_SIZE }),
    ]);
    const openIds = new Set(open.map((request) => request.id));
    const [refundRequests, contexts] = await Promise.all([
      refundsInContext(uow.read, [...open, ...recent.filter((request) => !openIds.has(request.id))]),
      uow.read.payments.contexts(payments.map((payment) => payment.id)),
    ]);
    return {
      id: found.id,
      name: found.name,
      email: found.email,
      timezone: found.timezone,
      createdAt: found.createdAt,
      bookings: bookings.items,
      bookingsNextCursor: bookings.nextCursor,
      methods: defaultFirst(methods).map(({ method, isDefault }) => ({
        brand: method.brand,
        last4: method.last4,
        expMonth: method.expMonth,
        expYear: method.expYear,
        isDefault,
      })),
      payments: payments.map((payment) => ({
        id: payment.id,
        bookingId: payment.bookingId,
        status: payment.status,
        currency: payment.currency,
        amountMinor: payment.amountMinor,
        refundedMinor: payment.refundedMinor,
        reservedMinor: contexts.get(payment.id)?.reservedMinor ?? 0,
        card:
          payment.cardBrand !== null && payment.cardLast4 !== null
            ? { brand: payment.cardBrand, last4: payment.cardLast4 }
            : null,
        paidAt: payment.paidAt,
        createdAt: payment.createdAt,
      })),
      refundRequests,
    };
  });

  const teacher = implement(PEOPLE_PAGE_USE_CASES.teacher, async (actor, input): Promise<TeacherPage> => {
    const found = await uow.read.people.findTeacher(input.id);
    if (!found) throw new DomainError('NOT_FOUND', `Teacher ${input.id} does not exist`);
    const [bookings, gigs, account] = await Promise.all([
      bookingPage(actor, { teacherId: found.id }, undefined, PEOPLE_PAGE_SIZE),
      uow.read.people.listGigs(found.id),
      readsPayouts(actor) ? uow.read.payouts.teacherAccount(found.id) : Promise.resolve(undefined),
    ]);
    return {
      id: found.id,
      name: found.name,
      email: found.email,
      timezone: found.timezone,
      createdAt: found.createdAt,
      gigs,
      bookings: bookings.items,
      bookingsNextCursor: bookings.nextCursor,
      ...(account !== undefined
        ? { stripeAccountId: account?.stripeAccountId ?? null, payoutStatus: payoutStatusOf(account) }
        : {}),
    };
  });

  /** The next pages of a person's bookings (the first one comes with their page). */
  const bookings = implement(PEOPLE_PAGE_USE_CASES.bookings, async (actor, input) => {
    const filter = input.studentId !== undefined ? { studentId: input.studentId } : { teacherId: input.teacherId ?? 0 };
    return bookingPage(actor, filter, input.cursor, input.limit ?? PEOPLE_PAGE_SIZE);
  });

  return { student, teacher, bookings };
}
