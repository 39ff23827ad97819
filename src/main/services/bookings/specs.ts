import { z } from 'zod';
import {
  bookingActionInput,
  bookingReasonActionInput,
  createBookingInput,
  idSchema,
  listBookingsInput,
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
  get: spec('bookings.get', 'bookings.read', z.object({ id: idSchema })),
  list: spec('bookings.list', 'bookings.read', listBookingsInput),
  counts: spec('bookings.counts', 'bookings.read', z.object({}).optional()),
  quote: spec(
    'bookings.quote',
    'bookings.read',
    z.object({
      gigId: idSchema,
      minutes: z.number({ error: 'minutes must be a number' }).int('minutes must be a whole number'),
    }),
  ),
};
