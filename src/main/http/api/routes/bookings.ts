import { z } from 'zod';
import { BOOKING_TRANSITIONS } from '../../../domain/booking-machine';
import { DomainError } from '../../../domain/errors';
import type { Services } from '../../../services';
import type { MarketplaceActor } from '../../../services/accounts';
import { conflict, invalidInput, type ApiProblem, type FieldProblems } from '../errors';
import { presentBooking } from '../presenters';
import { defineRoute, type ApiRoute } from '../route';
import {
  DEFAULT_PAGE,
  bookingActionSchema,
  bookingSchema,
  cancelBody,
  cancelQuery,
  createBookingBody,
  declineBody,
  idParams,
  listBookingsQuery,
  noBody,
  rescheduleAnswerBody,
  rescheduleBody,
} from '../schemas';

const tags = ['bookings'];

/** R13 needs a reason; the student who gives none is cancelling for themselves. */
export const DEFAULT_CANCEL_REASON = 'Cancelled by the student';

type CreationField = 'start_time' | 'duration' | 'gig';

/**
 * R10's guards (booking-machine.ts, by name) → the request field each one judges. A guard of the
 * create row missing here would be answered without a field; a test checks that none is.
 */
export const CREATION_GUARD_FIELDS: Readonly<Record<string, CreationField>> = {
  'duration 15–240 minutes in steps of 15, end = start + duration': 'duration',
  'start between now + 1 h and now + 180 days': 'start_time',
  'gig active': 'gig',
  'student is not the teacher': 'gig',
  'no overlap with the teacher’s pending or confirmed bookings': 'start_time',
};

/** R10/R51's guards on the new time (by name) → the request field each one judges; the rest are 409. */
export const RESCHEDULE_GUARD_FIELDS: Readonly<Record<string, 'start_time' | 'reason'>> = {
  'new start between now + 1 h and now + 180 days, same duration': 'start_time',
  'no overlap with the teacher’s pending or confirmed bookings at the new time': 'start_time',
  'reason required': 'reason',
};

const rescheduleFieldError = (error: DomainError): ApiProblem | null => {
  const guard = error.details['guard'];
  const field = typeof guard === 'string' ? RESCHEDULE_GUARD_FIELDS[guard] : undefined;
  return field ? invalidInput({ [field]: [withoutLabel(error.message)] }) : null;
};

export const creationGuardNames = (): string[] =>
  BOOKING_TRANSITIONS.filter((row) => row.action === 'create').flatMap((row) => row.guards.map((guard) => guard.name));

const withoutLabel = (message: string) => message.replace(/^(This booking|Booking \d+): /, '');

/** A paid booking is not the student's to cancel (R13 vs R18): say who can. */
function cancelRefusal(error: DomainError): ApiProblem | null {
  if (error.code === 'ILLEGAL_TRANSITION' && error.details['state'] === 'CONFIRMED/PAID')
    return conflict(`${error.message}. A paid booking is cancelled by LinguaFlex support, with a full refund (R18).`);
  return null;
}

export function bookingRoutes(services: Services): ApiRoute[] {
  const { marketplace, bookings } = services;

  const view = async (actor: MarketplaceActor, id: number) =>
    presentBooking(await marketplace.booking(actor, id), actor);

  const cancelRoute = (method: 'DELETE' | 'POST', path: `/api/${string}`, operationId: string) =>
    defineRoute({
      method,
      path,
      operationId,
      summary: 'Cancel a booking',
      description:
        'R13: PENDING, or CONFIRMED while not paid. The booking stays, CANCELLED, with its history; an open ' +
        'payment intent is cancelled at Stripe. A PAID booking is refused (409): support cancels it with a refund ' +
        `(R18). The reason may come in the body or as ?reason=; none given: "${DEFAULT_CANCEL_REASON}".`,
      tags,
      access: 'student',
      params: idParams,
      query: cancelQuery,
      body: cancelBody,
      responses: { 200: bookingActionSchema },
      errors: [409],
    }).handle(
      async ({ actor, params, query, body }) => {
        const reason = body.reason ?? query.reason ?? DEFAULT_CANCEL_REASON;
        await bookings.cancel.run(actor, { id: params.id, reason });
        return {
          status: 200,
          body: { message: `Booking ${params.id} cancelled.`, booking: await view(actor, params.id) },
        };
      },
      { mapError: cancelRefusal },
    );

  return [
    defineRoute({
      method: 'POST',
      path: '/api/bookings/bookings/',
      operationId: 'createBooking',
      summary: 'Book a session',
      description:
        'R10: PENDING / UNPAID, priced on the server from the gig’s stored rate (R6). `start_time` must carry an ' +
        'offset; give `duration_hours` (a whole number of minutes, 15–240 in steps of 15) or `end_time`, or both ' +
        '(then they must agree). R10’s guards refuse with 400 naming the field.',
      tags,
      access: 'student',
      body: createBookingBody,
      responses: { 201: bookingSchema },
    }).handle(
      async ({ actor, body }) => {
        const gig = await marketplace.gig(body.gig).catch((error: unknown) => {
          if (error instanceof DomainError && error.code === 'NOT_FOUND')
            throw invalidInput({ gig: [`Gig ${body.gig} does not exist`] });
          throw error;
        });
        if (body.teacher !== undefined && body.teacher !== gig.teacherId)
          throw invalidInput({ teacher: [`must be the gig's teacher (${gig.teacherId}), or left out`] });
        // The schema made sure one of them is there and that they agree.
        const minutes =
          body.duration_hours ?? (body.end_time ? (body.end_time.getTime() - body.start_time.getTime()) / 60_000 : 0);
        const created = await bookings.create.run(actor, {
          studentId: actor.id,
          gigId: gig.id,
          startsAt: body.start_time,
          minutes,
          notes: body.notes,
        });
        return { status: 201, body: await view(actor, created.id) };
      },
      {
        mapError: (error, { body }) => {
          const guard = error.details['guard'];
          const field = typeof guard === 'string' ? CREATION_GUARD_FIELDS[guard] : undefined;
          if (!field) return null;
          const message = withoutLabel(error.message);
          const fields: FieldProblems = {};
          if (field !== 'duration') fields[field] = [message];
          else {
            if (body.duration_hours !== undefined) fields['duration_hours'] = [message];
            if (body.end_time !== undefined) fields['end_time'] = [message];
          }
          return invalidInput(fields);
        },
      },
    ),

    defineRoute({
      method: 'GET',
      path: '/api/bookings/bookings/',
      operationId: 'listBookings',
      summary: 'Your bookings',
      description: 'A student’s bookings, or those of a teacher’s gigs; newest first. `?status=`, `?payment_status=`.',
      tags,
      access: 'signed-in',
      query: listBookingsQuery,
      responses: { 200: z.array(bookingSchema) },
    }).handle(async ({ actor, query }) => {
      const rows = await marketplace.bookings(actor, {
        status: query.status,
        paymentStatus: query.payment_status,
        beforeId: query.before,
        limit: query.limit ?? DEFAULT_PAGE,
      });
      return { status: 200, body: rows.map((row) => presentBooking(row, actor)) };
    }),

    defineRoute({
      method: 'GET',
      path: '/api/bookings/bookings/{id}/',
      operationId: 'getBooking',
      summary: 'One booking',
      description: 'Only its student or its teacher; the host link and password only for the teacher.',
      tags,
      access: 'signed-in',
      params: idParams,
      responses: { 200: bookingSchema },
    }).handle(async ({ actor, params }) => ({ status: 200, body: await view(actor, params.id) })),

    cancelRoute('DELETE', '/api/bookings/bookings/{id}/', 'cancelBooking'),

    defineRoute({
      method: 'POST',
      path: '/api/bookings/bookings/{id}/confirm/',
      operationId: 'confirmBooking',
      summary: 'Confirm a booking request',
      description: 'R11: the booking’s teacher, while PENDING and before the start.',
      tags,
      access: 'teacher',
      params: idParams,
      body: noBody,
      responses: { 200: bookingActionSchema },
      errors: [409],
    }).handle(async ({ actor, params }) => {
      await bookings.confirm.run(actor, { id: params.id });
      return {
        status: 200,
        body: { message: `Booking ${params.id} confirmed.`, booking: await view(actor, params.id) },
      };
    }),

    defineRoute({
      method: 'POST',
      path: '/api/bookings/bookings/{id}/decline/',
      operationId: 'declineBooking',
      summary: 'Decline a booking request',
      description: 'R12: the booking’s teacher, while PENDING, with a reason.',
      tags,
      access: 'teacher',
      params: idParams,
      body: declineBody,
      responses: { 200: bookingActionSchema },
      errors: [409],
    }).handle(async ({ actor, params, body }) => {
      await bookings.decline.run(actor, { id: params.id, reason: body.reason });
      return {
        status: 200,
        body: { message: `Booking ${params.id} declined.`, booking: await view(actor, params.id) },
      };
    }),

    cancelRoute('POST', '/api/bookings/bookings/{id}/cancel/', 'cancelBookingByPost'),

    defineRoute({
      method: 'POST',
      path: '/api/bookings/bookings/{id}/reschedule/',
      operationId: 'requestReschedule',
      summary: 'Ask to move a booking',
      description:
        'R51: the booking’s student or teacher asks to move a CONFIRMED booking to a new start (same duration), ' +
        'with a reason; the other party answers. The new time must be at least 1 h ahead, within 180 days and free ' +
        'for the teacher (400 naming `start_time`); at most 2 moves, none in the last 24 h before the start, one ' +
        'open request at a time (409). Unanswered, the request expires after 48 h or at the start (R53).',
      tags,
      access: 'signed-in',
      params: idParams,
      body: rescheduleBody,
      responses: { 200: bookingActionSchema },
      errors: [409],
    }).handle(
      async ({ actor, params, body }) => {
        await bookings.requestReschedule.run(actor, { id: params.id, startsAt: body.start_time, reason: body.reason });
        return {
          status: 200,
          body: { message: `Asked to move booking ${params.id}.`, booking: await view(actor, params.id) },
        };
      },
      { mapError: rescheduleFieldError },
    ),

    defineRoute({
      method: 'POST',
      path: '/api/bookings/bookings/{id}/reschedule/respond/',
      operationId: 'respondReschedule',
      summary: 'Answer a request to move a booking',
      description:
        'R51/R52: the other party accepts (the booking moves; a paid one keeps its payment and its meeting is ' +
        'updated in place; both are emailed the new time) or declines (it stays), with an optional reason.',
      tags,
      access: 'signed-in',
      params: idParams,
      body: rescheduleAnswerBody,
      responses: { 200: bookingActionSchema },
      errors: [409],
    }).handle(
      async ({ actor, params, body }) => {
        await bookings.respondReschedule.run(actor, { id: params.id, accept: body.accept, reason: body.reason });
        return {
          status: 200,
          body: {
            message: body.accept ? `Booking ${params.id} moved.` : `Booking ${params.id} stays at its time.`,
            booking: await view(actor, params.id),
          },
        };
      },
      { mapError: rescheduleFieldError },
    ),
  ];
}
