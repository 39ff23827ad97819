import { z } from 'zod';
import { CURRENCY_CODES } from './currency';

/**
 * Input schemas shared by the services (which validate every call themselves) and the transport,
 * so a bad value gets the same clear message wherever it enters.
 */
/** Ids are the database's 32-bit serials: anything larger names nothing (and is refused as such). */
export const MAX_ID = 2_147_483_647;
export const idSchema = z
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .positive('must be positive')
  .max(MAX_ID, `must be at most ${MAX_ID}`);

const trimmed = (field: string, max: number) =>
  z
    .string({ error: `${field} must be text` })
    .trim()
    .min(1, `${field} is required`)
    .max(max, `${field} must be at most ${max} characters`);

export const emailSchema = z
  .email('must be an email address')
  .max(254)
  .transform((value) => value.toLowerCase());
export const timezoneSchema = z.string().refine((value) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as Europe/Berlin');

export const currencySchema = z.enum(CURRENCY_CODES, { error: `must be one of ${CURRENCY_CODES.join(', ')}` });

/** A Date, or an ISO 8601 text with a time zone; never a number, boolean or null coerced to 1970. */
export const instantSchema = z
  .union([z.date(), z.iso.datetime({ offset: true, local: false })], {
    error: 'must be a date and time (ISO 8601, e.g. 2026-12-01T09:00:00Z)',
  })
  .transform((value) => (value instanceof Date ? value : new Date(value)))
  .refine((date) => !Number.isNaN(date.getTime()), 'must be a valid date and time');

export const reasonSchema = trimmed('reason', 500);

/** Hourly rates are capped so that a 4-hour session's total always fits the database's integer column. */
export const MAX_HOURLY_RATE_MINOR = 100_000_000;

export const createStudentInput = z.object({
  kind: z.literal('student'),
  email: emailSchema,
  name: trimmed('name', 120),
  timezone: timezoneSchema.optional(),
});
export const createTeacherInput = createStudentInput.extend({ kind: z.literal('teacher') });
export const createPersonInput = z.discriminatedUnion('kind', [createStudentInput, createTeacherInput], {
  error: "kind must be 'student' or 'teacher'",
});

export const createGigInput = z.object({
  teacherId: idSchema,
  title: trimmed('title', 200),
  language: trimmed('language', 60),
  hourlyRateMinor: z
    .number({ error: 'hourlyRateMinor must be a number' })
    .int('hourlyRateMinor must be a whole number of minor units (no decimals)')
    .min(0, 'hourlyRateMinor must not be negative')
    .max(MAX_HOURLY_RATE_MINOR, `hourlyRateMinor must be at most ${MAX_HOURLY_RATE_MINOR}`),
  currency: currencySchema,
});

export const createBookingInput = z.object({
  studentId: idSchema,
  gigId: idSchema,
  startsAt: instantSchema,
  minutes: z.number({ error: 'minutes must be a number' }).int('minutes must be a whole number'),
  notes: z.string().trim().max(2000, 'notes must be at most 2000 characters').optional(),
});

const versioned = { expectedVersion: z.number().int().positive().optional() };
export const bookingActionInput = z.object({ id: idSchema, ...versioned });
export const bookingReasonActionInput = z.object({ id: idSchema, reason: reasonSchema, ...versioned });

export const STAFF_ROLE_VALUES = ['ADMIN', 'FINANCE', 'SUPPORT'] as const;
export const createStaffInput = z.object({
  email: emailSchema,
  name: trimmed('name', 120),
  role: z.enum(STAFF_ROLE_VALUES, { error: 'role must be ADMIN, FINANCE or SUPPORT' }),
  password: z.string().min(10, 'password must be at least 10 characters').max(200),
});

export const loginInput = z.object({
  email: emailSchema,
  password: z.string().min(1, 'password is required').max(200),
});

export const BOOKING_SORTS = ['startsAt', '-startsAt', 'createdAt', '-createdAt'] as const;
export const listBookingsInput = z.object({
  queue: z
    .enum([
      'AWAITING_CONFIRMATION',
      'AWAITING_PAYMENT',
      'PAYMENT_FAILED',
      'UPCOMING',
      'TO_COMPLETE',
      'PAID',
      'COMPLETED',
      'CANCELLED',
      'REFUNDED',
    ])
    .optional(),
  status: z.enum(['PENDING', 'CONFIRMED', 'COMPLETED', 'CANCELLED', 'REFUNDED']).optional(),
  paymentStatus: z.enum(['UNPAID', 'PENDING', 'PAID', 'PARTIALLY_REFUNDED', 'REFUNDED', 'FAILED']).optional(),
  teacherId: idSchema.optional(),
  studentId: idSchema.optional(),
  search: z.string().trim().max(200).optional(),
  from: instantSchema.optional(),
  to: instantSchema.optional(),
  sort: z.enum(BOOKING_SORTS).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(500).optional(),
});

export type CreateBookingInput = z.input<typeof createBookingInput>;
export type ListBookingsInput = z.input<typeof listBookingsInput>;
