import { z } from 'zod';
import {
  bookingActionInput,
  bookingReasonActionInput,
  createBookingInput,
  idSchema,
  listBookingsInput,
  rescheduleAnswerInput,
  rescheduleInput,
  wholeNumber,
} from '../../../shared/schemas';
import { spec } from '../use-case';

/** The booking use cases' contracts: the router and the API validate and authorize with these. */
export const BOOKING_USE_CASES = {
  create: spec('bookings.create', 'bookings.create', createBookingInput),
  confirm: spec('bookings.confirm', 'bookings.confirm', bookingActionInput),
  decline: spec('bookings.decline', 'bookings.decline', bookingReasonActionInput),
  cancel: spec('bookings.cancel', 'bookings.cancelUnpaid', bookingReasonActionInput),
  complete: spec('bookings.complete', 'bookings.complete', bookingActionInput),
  /** R18: a paid booking cancelled with a full refund. */
  cancelPaid: spec('operations.cancelPaid', 'bookings.cancelPaid', bookingReasonActionInput),
  /** R51: staff move a booking on both parties' behalf. */
  reschedule: spec('bookings.reschedule', 'bookings.reschedule', rescheduleInput),
  /** R53: the booking's latest request to move it (NONE when there was none). */
  rescheduleRequest: spec('bookings.rescheduleRequest', 'bookings.read', z.object({ id: idSchema })),
  get: spec('bookings.get', 'bookings.read', z.object({ id: idSchema })),
  list: spec('bookings.list', 'bookings.read', listBookingsInput),
  counts: spec('bookings.counts', 'bookings.read', z.object({}).optional()),
  quote: spec(
    'bookings.quote',
    'bookings.read',
    z.object({
      gigId: idSchema,
      minutes: wholeNumber({ field: 'minutes' }),
    }),
  ),
};

/** The marketplace's parties (not staff procedures; the API's routes): ask to move, and answer (R51). */
export const BOOKING_PARTY_USE_CASES = {
  requestReschedule: spec('marketplace.requestReschedule', null, rescheduleInput.omit({ expectedVersion: true })),
  respondReschedule: spec('marketplace.respondReschedule', null, rescheduleAnswerInput),
};
