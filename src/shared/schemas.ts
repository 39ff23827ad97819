import { z } from 'zod';
import { CURRENCY_CODES } from './currency';

/**
 * Input schemas shared by the services (which validate every call themselves) and the transport,
 * so a bad value gets the same clear message wherever it enters.
 */
// ---- Building blocks at the boundary ------------------------------------------------------------
// Every procedure's input and every marketplace API route is built from these, so whatever a later
// step would choke on (PostgreSQL refuses NUL in text and integers past 32 bits; timestamps end in
// the year 294276; UTF-8 has no lone surrogate halves) is refused here first, as a 4xx naming its
// field, before anything is read or written. Nothing coerces: a number, boolean, null or array where
// text or a date is expected is refused, never converted.

/** PostgreSQL's `integer`: ids (32-bit serials), versions, minutes. Anything larger names nothing. */
export const MAX_INT = 2_147_483_647;
export const MAX_ID = MAX_INT;

export interface IdWords {
  /** Not a number at all (text, a boolean, null…). */
  type: string;
  whole: string;
  positive: string;
  /** Above MAX_ID: no such row can exist. */
  tooLarge: string;
}

/** An id: a whole number from 1 to MAX_ID (never text such as "1"). */
export const idNumber = (
  words: IdWords = {
    type: 'must be a number',
    whole: 'must be a whole number',
    positive: 'must be positive',
    tooLarge: `must be at most ${MAX_ID}`,
  },
) => z.number({ error: words.type }).int(words.whole).min(1, words.positive).max(MAX_ID, words.tooLarge);
export const idSchema = idNumber();

/**
 * A whole number for an integer column (a count, a version, minutes), within `min`..`max` and
 * never beyond what the column holds (±MAX_INT); `field` names it in the messages.
 */
export const wholeNumber = ({
  min = -MAX_INT,
  max = MAX_INT,
  field,
}: { min?: number; max?: number; field?: string } = {}) => {
  const subject = field ? `${field} ` : '';
  const low = Math.max(min, -MAX_INT);
  const high = Math.min(max, MAX_INT);
  return z
    .number({ error: `${subject}must be a number` })
    .int(`${subject}must be a whole number`)
    .min(low, `${subject}must be at least ${low}`)
    .max(high, `${subject}must be at most ${high}`);
};

export const TEXT_PROBLEMS = {
  nul: 'must not contain NUL characters (\\u0000)',
  surrogate: 'must be valid Unicode text (it contains half of a UTF-16 surrogate pair)',
  visible: 'must contain something visible (letters, digits or punctuation), not only spaces or invisible characters',
} as const;

/** A lone high surrogate not followed by a low one, or a lone low one (code units, hence no `u` flag). */
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

export interface TextOptions {
  /** Must have visible content after trimming (default); otherwise it may be empty. */
  required?: boolean;
  /** Drop surrounding whitespace first (default). */
  trim?: boolean;
  /** The words of each refusal, e.g. for a message that names its field. */
  words?: { type?: string | ((issue: { input: unknown }) => string); required?: string; tooLong?: string };
}

/**
 * Text from outside: a string of at most `max` characters (checked first, so a huge string is
 * refused before anything else reads it) with no NUL character and no unpaired UTF-16 surrogate;
 * by default trimmed, and then required to have visible content.
 */
export function textSchema(max: number, options: TextOptions = {}): z.ZodString {
  const { required = true, trim = true, words = {} } = options;
  let schema = z.string({ error: words.type ?? 'must be text' });
  if (trim) schema = schema.trim();
  schema = schema
    .max(max, { error: words.tooLong ?? `must be at most ${max} characters`, abort: true })
    .refine((value) => !value.includes('\u0000'), { error: TEXT_PROBLEMS.nul, abort: true })
    .refine((value) => !UNPAIRED_SURROGATE.test(value), { error: TEXT_PROBLEMS.surrogate, abort: true });
  if (required)
    schema = schema
      .min(1, { error: words.required ?? 'is required', abort: true })
      .refine((value) => VISIBLE.test(value), TEXT_PROBLEMS.visible);
  return schema;
}

/** A secret as typed (a password): not trimmed, may hold any visible or invisible character but NUL and lone surrogates. */
export const secretText = (max: number, words: TextOptions['words'] = {}) =>
  textSchema(max, { required: false, trim: false, words });

/** Required text whose messages name the field ("name is required"), as the console shows them. */
const trimmed = (field: string, max: number) =>
  textSchema(max, {
    words: {
      type: `${field} must be text`,
      required: `${field} is required`,
      tooLong: `${field} must be at most ${max} characters`,
    },
  });

/** Instants a booking, report or payout can be about: the years 1970 to 9999 (UTC). */
export const EARLIEST_INSTANT = new Date('1970-01-01T00:00:00.000Z');
export const LATEST_INSTANT = new Date('9999-12-31T23:59:59.999Z');
export const INSTANT_RANGE_MESSAGE = 'must be a date between the years 1970 and 9999';

/** Why a Date cannot be taken as an instant (invalid, or outside 1970–9999), or null when it can. */
export function instantProblem(date: Date): string | null {
  const time = date.getTime();
  if (Number.isNaN(time)) return 'must be a valid date and time';
  if (time < EARLIEST_INSTANT.getTime() || time > LATEST_INSTANT.getTime()) return INSTANT_RANGE_MESSAGE;
  return null;
}

export const emailSchema = z
  .string({ error: 'must be an email address' })
  .max(254, { error: 'must be at most 254 characters', abort: true })
  .pipe(z.email('must be an email address'))
  .transform((value) => value.toLowerCase());
export const timezoneSchema = z
  .string({ error: 'must be an IANA time zone such as Europe/Berlin' })
  .max(64, { error: 'must be an IANA time zone such as Europe/Berlin', abort: true })
  .refine((value) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: value });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone such as Europe/Berlin');

export const currencySchema = z.enum(CURRENCY_CODES, { error: `must be one of ${CURRENCY_CODES.join(', ')}` });

/**
 * A Date, or an ISO 8601 text with a time zone, within 1970–9999; never a number, boolean or null
 * coerced to 1970, nor a Date such as +275760-09-13 that no timestamp column holds.
 */
export const instantSchema = z
  .union([z.date(), z.iso.datetime({ offset: true, local: false })], {
    error: 'must be a date and time (ISO 8601, e.g. 2026-12-01T09:00:00Z)',
  })
  .transform((value, ctx) => {
    const date = value instanceof Date ? value : new Date(value);
    const problem = instantProblem(date);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem, input: value });
      return z.NEVER;
    }
    return date;
  });

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
  minutes: wholeNumber({ field: 'minutes' }),
  notes: textSchema(2000, { required: false, words: { tooLong: 'notes must be at most 2000 characters' } }).optional(),
});

const versioned = { expectedVersion: wholeNumber({ min: 1, field: 'expectedVersion' }).optional() };
export const bookingActionInput = z.object({ id: idSchema, ...versioned });
export const bookingReasonActionInput = z.object({ id: idSchema, reason: reasonSchema, ...versioned });
/** R51: a move to a new start (same duration), with the reason. */
export const rescheduleInput = z.object({ id: idSchema, startsAt: instantSchema, reason: reasonSchema, ...versioned });
export const rescheduleAnswerInput = z.object({
  id: idSchema,
  accept: z.boolean({ error: 'accept must be true or false' }),
  reason: reasonSchema.optional(),
});

/** A new staff password (R34): the length here; the strength estimate runs in the service. */
export const newPasswordSchema = secretText(200, {
  type: 'password must be text',
  tooLong: 'password can be at most 200 characters',
}).min(12, 'password must be at least 12 characters');
/** Changing one's own password: the current one is asked (R34). */
export const changePasswordInput = z.object({
  currentPassword: secretText(200, { type: 'currentPassword must be text' }).min(1, 'currentPassword is required'),
  newPassword: newPasswordSchema,
});
/** An admin sets a new password for an account; its owner must change it at the next sign-in. */
export const resetPasswordInput = z.object({ id: idSchema, password: newPasswordSchema });

export const STAFF_ROLE_VALUES = ['ADMIN', 'FINANCE', 'SUPPORT'] as const;
export const createStaffInput = z.object({
  email: emailSchema,
  name: trimmed('name', 120),
  role: z.enum(STAFF_ROLE_VALUES, { error: 'role must be ADMIN, FINANCE or SUPPORT' }),
  password: newPasswordSchema,
});

export const loginInput = z.object({
  email: emailSchema,
  password: secretText(200).min(1, 'password is required'),
});

/**
 * 'upcoming': bookings starting now or later first (soonest first), then past ones (most recent
 * first) — what someone searching usually wants; the default when `search` is given without a sort.
 */
export const BOOKING_SORTS = ['startsAt', '-startsAt', 'createdAt', '-createdAt', 'upcoming'] as const;
export type BookingSort = (typeof BOOKING_SORTS)[number];
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
  search: textSchema(200, { required: false }).optional(),
  from: instantSchema.optional(),
  to: instantSchema.optional(),
  sort: z.enum(BOOKING_SORTS).optional(),
  cursor: textSchema(200, { required: false, trim: false }).optional(),
  limit: wholeNumber({ min: 1, max: 500 }).optional(),
});

export type CreateBookingInput = z.input<typeof createBookingInput>;
export type ListBookingsInput = z.input<typeof listBookingsInput>;
