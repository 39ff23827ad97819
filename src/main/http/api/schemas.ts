import { z } from 'zod';
import { BOOKING_PAYMENT_STATUSES, BOOKING_STATUSES, PAYMENT_STATUSES } from '../../domain/states';
import { PAYMENT_USE_CASES } from '../../services/payments/specs';
import { CURRENCY_CODES } from '../../../shared/currency';
import {
  MAX_HOURLY_RATE_MINOR,
  MAX_ID,
  createGigInput,
  currencySchema,
  emailSchema,
  idNumber,
  instantProblem,
  secretText,
  textSchema,
  timezoneSchema,
} from '../../../shared/schemas';

/**
 * The wire schemas of the marketplace API (seed-api.md): what requests must look like — the server
 * validates with exactly these — and what answers look like. The OpenAPI document is generated from
 * these same objects. The request pieces are the console's building blocks (shared/schemas.ts) in the
 * API's words: text without NUL or lone surrogates, ids that fit the columns, instants within
 * 1970–9999. Nothing here coerces: a number where text is expected (or text where a number is) is
 * refused, never read as something else.
 */

/** Ids are PostgreSQL integers: anything above cannot exist and must not reach a query. */
export { MAX_ID };

/** The services' limits on free text (shared/schemas.ts). */
const NOTES_MAX = 2000;
const REASON_MAX = 500;

// ---- request pieces -----------------------------------------------------------------------

/** An id in a JSON body: a whole number, never text or a boolean. */
export const bodyId = idNumber({
  type: 'must be a whole number (an id)',
  whole: 'must be a whole number (an id)',
  positive: 'must be a positive id',
  tooLarge: 'is not an id that exists',
});

/** An id in the path or the query string (always text there): digits only. */
export const textId = z
  .string({ error: 'must be a whole number (an id)' })
  .regex(/^[1-9][0-9]{0,9}$/, 'must be a positive whole number (an id)')
  .transform((value, ctx) => {
    const id = Number(value);
    if (id > MAX_ID) {
      ctx.addIssue({ code: 'custom', message: 'is not an id that exists', input: value });
      return z.NEVER;
    }
    return id;
  });

export const idParams = z.object({ id: textId });

export const MAX_PAGE = 200;
export const DEFAULT_PAGE = 50;

/** `?limit=` (default 50, at most 200) and `?before=<id>` (pages on, newest first). */
export const pageQuery = z.object({
  limit: z
    .string({ error: `must be a whole number from 1 to ${MAX_PAGE}` })
    .regex(/^[0-9]{1,4}$/, `must be a whole number from 1 to ${MAX_PAGE}`)
    .transform((value, ctx) => {
      const limit = Number(value);
      if (limit < 1 || limit > MAX_PAGE) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number from 1 to ${MAX_PAGE}`, input: value });
        return z.NEVER;
      }
      return limit;
    })
    .optional(),
  before: textId.optional(),
});

const OFFSET_LESS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/** An instant with an offset (`2026-12-01T10:00:00Z`, `…T11:00:00+01:00`), read as a Date. */
export const instantInput = z.iso
  .datetime({
    offset: true,
    error: (issue) =>
      typeof issue.input === 'string' && OFFSET_LESS.test(issue.input)
        ? 'needs an offset (Z or ±hh:mm): a time without one names no instant'
        : 'must be a date and time in ISO 8601 with an offset, e.g. 2026-12-01T10:00:00Z',
  })
  .meta({ description: 'An instant in ISO 8601 with an offset', example: '2026-12-01T10:00:00Z' })
  .transform((value, ctx) => {
    const date = new Date(value);
    const problem = instantProblem(date);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem, input: value });
      return z.NEVER;
    }
    return date;
  });

const DURATION_MESSAGE = 'must be a number of hours (a number or a decimal string such as "1.5")';

/**
 * Hours as a number or a decimal string → whole minutes, exactly: "0.1" is 6 minutes, 1.5 is 90,
 * and anything that is not a whole number of minutes is refused rather than rounded. A number is read
 * through its shortest decimal form (what JSON carried), never through float arithmetic.
 */
export const durationHoursInput = z
  .union([z.number(), z.string()], { error: DURATION_MESSAGE })
  .meta({ description: 'Hours as a number or a decimal string ("1.5"): a whole number of minutes', example: '1.5' })
  .transform((value, ctx) => {
    const text = typeof value === 'number' ? String(value) : value.trim();
    const match = /^([0-9]{1,4})(?:\.([0-9]{1,30}))?$/.exec(text);
    if (!match) {
      ctx.addIssue({ code: 'custom', message: DURATION_MESSAGE, input: value });
      return z.NEVER;
    }
    const [, whole = '0', fraction = ''] = match;
    const scale = 10n ** BigInt(fraction.length);
    const sixtieths = (BigInt(whole) * scale + BigInt(fraction === '' ? '0' : fraction)) * 60n;
    if (sixtieths % scale !== 0n) {
      ctx.addIssue({ code: 'custom', message: 'must be a whole number of minutes', input: value });
      return z.NEVER;
    }
    const minutes = Number(sixtieths / scale);
    if (minutes <= 0) {
      ctx.addIssue({ code: 'custom', message: 'must be more than zero', input: value });
      return z.NEVER;
    }
    return minutes;
  });

/** Optional text: absent, null or blank all mean "not given". */
const optionalText = (max: number) =>
  // Not a union with null: a union's refusal would hide why the text was refused (a NUL, a surrogate).
  textSchema(max, { required: false })
    .nullable()
    .optional()
    .transform((value) => (value ? value : undefined));

/** Stripe ids, with the services' own patterns (validate once, with one rule). */
export const paymentMethodIdInput = PAYMENT_USE_CASES.attachMethod.input.shape.paymentMethodId;
export const paymentIntentIdInput = PAYMENT_USE_CASES.confirm.input.shape.paymentIntentId;

// ---- request bodies and queries -----------------------------------------------------------

export const registerBody = z.object({
  email: emailSchema,
  password: secretText(200).min(8, 'must be at least 8 characters'),
  full_name: textSchema(120),
  role: z.enum(['STUDENT', 'TEACHER'], { error: 'must be STUDENT or TEACHER' }),
  timezone: timezoneSchema.optional(),
  bio: optionalText(2000),
  qualifications: optionalText(2000),
  years_of_experience: z
    .number({ error: 'must be a whole number of years' })
    .int('must be a whole number of years')
    .min(0, 'must not be negative')
    .max(100, 'must be at most 100')
    .nullable()
    .optional(),
});

export const loginBody = z.object({
  email: emailSchema,
  password: secretText(200).min(1, 'is required'),
});

export const refreshTokenBody = z.object({
  refresh_token: secretText(200, { tooLong: 'is not a refresh token of ours' }).min(1, 'is required'),
});

export const gigQuery = pageQuery.extend({
  language: textSchema(60, { required: false }).optional(),
  teacher: textId.optional(),
});

export const createGigBody = z.object({
  title: createGigInput.shape.title,
  language: createGigInput.shape.language,
  hourly_rate_cents: z
    .number({ error: 'must be a whole number of minor units (cents)' })
    .int('must be a whole number of minor units (cents), no decimals')
    .min(0, 'must not be negative')
    .max(MAX_HOURLY_RATE_MINOR, `must be at most ${MAX_HOURLY_RATE_MINOR}`),
  currency: currencySchema,
});

const DURATION_FIELDS = ['duration_hours', 'end_time'];

/**
 * R10's input: `start_time` and `duration_hours` or `end_time` (or both, which must agree). The
 * cross-field rules run once the duration fields have passed on their own (and compare with the
 * start once it has too), so every field is named in one answer.
 */
export const createBookingBody = z
  .object({
    gig: bodyId.meta({ description: 'The gig’s id' }),
    start_time: instantInput,
    duration_hours: durationHoursInput.optional(),
    end_time: instantInput.optional(),
    teacher: bodyId.optional().meta({ description: 'If given, the gig’s teacher (their user id)' }),
    notes: optionalText(NOTES_MAX),
  })
  .superRefine(
    (value, ctx) => {
      const { start_time: start, duration_hours: minutes, end_time: end } = value;
      if (minutes === undefined && end === undefined) {
        ctx.addIssue({ code: 'custom', path: ['duration_hours'], message: 'give duration_hours or end_time' });
        return;
      }
      // An invalid start_time has its own issue already.
      if (end === undefined || !(start instanceof Date)) return;
      const span = end.getTime() - start.getTime();
      if (span <= 0) {
        ctx.addIssue({ code: 'custom', path: ['end_time'], message: 'must be after start_time' });
      } else if (span % 60_000 !== 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['end_time'],
          message: 'must be a whole number of minutes after start_time',
        });
      } else if (minutes !== undefined && minutes * 60_000 !== span) {
        const message = 'duration_hours and end_time disagree: end_time must be start_time plus duration_hours';
        ctx.addIssue({ code: 'custom', path: ['duration_hours'], message });
        ctx.addIssue({ code: 'custom', path: ['end_time'], message });
      }
    },
    {
      // Not when the body is no object at all, nor before the duration fields are valid themselves.
      when: (payload) =>
        payload.issues.every(
          (issue) =>
            issue.path !== undefined && issue.path.length > 0 && !DURATION_FIELDS.includes(String(issue.path[0])),
        ),
    },
  );

export const listBookingsQuery = pageQuery.extend({
  status: z.enum(BOOKING_STATUSES, { error: `must be one of ${BOOKING_STATUSES.join(', ')}` }).optional(),
  payment_status: z
    .enum(BOOKING_PAYMENT_STATUSES, { error: `must be one of ${BOOKING_PAYMENT_STATUSES.join(', ')}` })
    .optional(),
});

export const noBody = z.object({});

/** R12: a reason is required. */
export const declineBody = z.object({
  reason: textSchema(REASON_MAX, {
    words: { type: (issue) => (issue.input === undefined ? 'is required' : 'must be text') },
  }),
});

/** R51: a request to move a booking — the new start (same duration) and why. */
export const rescheduleBody = z.object({
  start_time: instantInput,
  reason: textSchema(REASON_MAX, {
    words: { type: (issue) => (issue.input === undefined ? 'is required' : 'must be text') },
  }),
});
/** R51: the other party's answer. */
export const rescheduleAnswerBody = z.object({
  accept: z.boolean({
    error: (issue) => (issue.input === undefined ? 'is required' : 'must be true or false'),
  }),
  reason: optionalText(REASON_MAX),
});

/** R13 needs a reason; one not given is supplied by the route ("Cancelled by the student"). */
export const cancelBody = z.object({ reason: optionalText(REASON_MAX) });
export const cancelQuery = z.object({
  reason: textSchema(REASON_MAX, { required: false })
    .optional()
    .transform((value) => (value ? value : undefined)),
});

/** R20: what a card's number, code or expiry could arrive as; such a body is refused unread. */
export const CARD_DATA_FIELDS = ['number', 'card_number', 'cvc', 'cvv', 'exp_month', 'exp_year', 'expiry', 'card'];

export const addPaymentMethodBody = z.object({ payment_method_id: paymentMethodIdInput });

export const createIntentBody = z.object({
  session_booking_id: bodyId,
  payment_method_id: paymentMethodIdInput.optional(),
});

export const confirmPaymentBody = z.object({
  payment_intent_id: paymentIntentIdInput,
  payment_method_id: paymentMethodIdInput.optional(),
});

// ---- answers ------------------------------------------------------------------------------

const id = z.number().int();
const cents = z.number().int().meta({ description: 'Minor units of the currency (cents; yen or won for JPY and KRW)' });
const decimal = z.string().meta({ description: 'The same amount as a decimal string, e.g. "78.75"' });
const instant = z.iso.datetime().meta({ description: 'An instant in UTC, ISO 8601' });
const currency = z.enum(CURRENCY_CODES);

export const userSchema = z
  .object({
    id,
    email: z.string(),
    full_name: z.string(),
    role: z.enum(['STUDENT', 'TEACHER']),
    timezone: z.string(),
  })
  .meta({ id: 'User' });

export const registeredSchema = z.object({ message: z.string(), user: userSchema });

export const tokensSchema = z
  .object({
    access_token: z.string(),
    refresh_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().meta({ description: 'Seconds until the access token expires' }),
    user: userSchema,
  })
  .meta({ id: 'Tokens' });

export const refreshedSchema = z.object({ access_token: z.string(), refresh_token: z.string() });

export const gigSchema = z
  .object({
    id,
    teacher: id,
    teacher_name: z.string(),
    title: z.string(),
    language: z.string(),
    hourly_rate_cents: cents,
    hourly_rate: decimal,
    currency,
  })
  .meta({ id: 'Gig' });

export const RESCHEDULE_STATUSES = ['NONE', 'REQUESTED', 'ACCEPTED', 'DECLINED', 'EXPIRED'] as const;

export const bookingSchema = z
  .object({
    id,
    student: id,
    teacher: id,
    gig: id,
    student_name: z.string(),
    teacher_name: z.string(),
    start_time: instant,
    end_time: instant,
    duration_hours: z.string().meta({ description: 'Hours as a decimal string with two places, e.g. "1.50"' }),
    status: z.enum(BOOKING_STATUSES),
    payment_status: z.enum(BOOKING_PAYMENT_STATUSES),
    currency,
    session_cost_cents: cents,
    platform_fee_cents: cents,
    total_amount_cents: cents,
    total_amount: decimal,
    payment_id: id.nullable(),
    zoom_join_url: z.string().nullable().meta({ description: 'Set once the meeting exists (after payment, R14)' }),
    zoom_meeting_id: z.string().nullable(),
    zoom_start_url: z
      .string()
      .nullable()
      .optional()
      .meta({ description: "The host link: only in the booking's teacher's answers, never the student's" }),
    zoom_password: z.string().nullable().optional().meta({ description: "Only in the booking's teacher's answers" }),
    reschedule_request_status: z.enum(RESCHEDULE_STATUSES),
    reschedule_requested_by: z.enum(['STUDENT', 'TEACHER']).nullable(),
    reschedule_request_start_time: instant.nullable(),
    reschedule_request_end_time: instant.nullable(),
    reschedule_request_reason: z.string().nullable(),
    notes: z.string().nullable(),
    cancellation_reason: z.string().nullable(),
    next_step: z.string().meta({ description: 'What the student or teacher has to do next, in plain words' }),
    created_at: instant,
    updated_at: instant,
  })
  .meta({ id: 'Booking' });

export const bookingActionSchema = z
  .object({ message: z.string(), booking: bookingSchema })
  .meta({ id: 'BookingAction' });

export const paymentSchema = z
  .object({
    id,
    booking_id: id,
    status: z.enum(PAYMENT_STATUSES),
    amount_cents: cents,
    amount: decimal,
    currency,
    hourly_rate_cents: cents,
    session_duration_hours: z.string(),
    platform_fee_cents: cents,
    refunded_cents: cents,
    card_brand: z.string().nullable().optional().meta({ description: 'Only in the student’s answers' }),
    card_last4: z.string().nullable().optional().meta({ description: 'Only in the student’s answers' }),
    created_at: instant,
    paid_at: instant.nullable(),
    updated_at: instant,
  })
  .meta({ id: 'Payment' });

export const paymentMethodSchema = z
  .object({
    id,
    stripe_payment_method_id: z.string(),
    card_brand: z.string(),
    card_last_four: z.string(),
    card_exp_month: z.number().int(),
    card_exp_year: z.number().int(),
    is_default: z.boolean().meta({ description: 'The card added most recently' }),
    created_at: instant,
  })
  .meta({ id: 'PaymentMethod' });

export const methodAddedSchema = z.object({
  success: z.literal(true),
  message: z.string(),
  payment_method_id: z.string(),
  card_brand: z.string(),
  card_last4: z.string(),
  saved: z.literal(true),
});

export const intentSchema = z.object({
  success: z.literal(true),
  payment_id: id,
  payment_intent_id: z.string(),
  client_secret: z.string().nullable(),
  amount_cents: cents,
  amount: decimal,
  currency,
  status: z.enum(PAYMENT_STATUSES),
});

export const confirmedSchema = z.object({
  success: z.literal(true),
  status: z.enum(['PAID', 'PENDING', 'REQUIRES_ACTION']),
  requires_action: z.boolean(),
  client_secret: z.string().nullable().optional().meta({ description: 'For 3-D Secure, when requires_action' }),
  payment_id: id,
  booking_id: id,
});

export const openApiDocumentSchema = z
  .looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.record(z.string(), z.unknown()) })
  .meta({ description: 'This document (OpenAPI 3.1)' });

// ---- error answers ------------------------------------------------------------------------

export const detailError = z.object({ detail: z.string() }).meta({ id: 'DetailError' });
export const validationError = z
  .object({
    error: z.string(),
    details: z.record(z.string(), z.array(z.string())).meta({ description: 'Each invalid field with its problems' }),
  })
  .meta({ id: 'ValidationError' });
export const stateError = z.object({ error: z.string() }).meta({ id: 'StateError' });
export const declineError = z
  .object({ error: z.string(), code: z.string(), decline_code: z.string().nullable() })
  .meta({ id: 'DeclineError' });
