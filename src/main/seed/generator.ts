import { DAY_MS, HOUR_MS, MINUTE_MS } from '../domain/clock';
import type { CurrencyCode } from '../domain/money';
import { quoteSession } from '../domain/pricing';
import type { BookingPaymentStatus, BookingStatus } from '../domain/states';
import { FIRST_NAMES, GIG_TITLES, LANGUAGE_TIMEZONES, LAST_NAMES } from './names';

/**
 * Deterministic demo data: the same seed, size and base date always give the same rows. Pure:
 * it only computes rows; src/main/db/bulk-seed.ts writes them.
 */
export interface SeedOptions {
  bookings: number;
  seed: number;
  /** "Now" for the generated timeline; bookings spread from 180 days before to 180 days after. */
  now: Date;
}

export interface SeedPerson {
  key: number;
  email: string;
  name: string;
  timezone: string;
}

export interface SeedGig {
  key: number;
  teacherKey: number;
  title: string;
  language: string;
  hourlyRateMinor: number;
  currency: CurrencyCode;
}

export interface SeedTransition {
  action: string;
  fromStatus: BookingStatus | null;
  toStatus: BookingStatus;
  fromPaymentStatus: BookingPaymentStatus | null;
  toPaymentStatus: BookingPaymentStatus;
  actorKind: 'STAFF' | 'STUDENT' | 'TEACHER' | 'SYSTEM';
  actorRole: string;
  /** Who acted: the booking's student or teacher, or one of the demo staff accounts. */
  actor: 'student' | 'teacher' | 'admin' | 'finance' | null;
  reason: string | null;
  at: Date;
}

export interface SeedBooking {
  studentKey: number;
  gigKey: number;
  teacherKey: number;
  startsAt: Date;
  endsAt: Date;
  minutes: number;
  status: BookingStatus;
  paymentStatus: BookingPaymentStatus;
  notes: string | null;
  cancelReason: string | null;
  quote: ReturnType<typeof quoteSession>;
  createdAt: Date;
  updatedAt: Date;
  transitions: SeedTransition[];
}

/** mulberry32: small, fast, good enough for demo data, and reproducible. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: () => number, items: readonly T[]): T => {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
};

const LANGUAGES = Object.keys(FIRST_NAMES);
const CURRENCY_WEIGHTS: readonly [CurrencyCode, number][] = [
  ['USD', 40],
  ['EUR', 20],
  ['GBP', 10],
  ['CAD', 5],
  ['AUD', 5],
  ['JPY', 10],
  ['KRW', 10],
];
const RATE_RANGE: Record<CurrencyCode, [number, number, number]> = {
  // [min, max, step] in minor units per hour
  USD: [1500, 9000, 500],
  EUR: [1500, 8000, 500],
  GBP: [1500, 7000, 500],
  CAD: [2000, 10000, 500],
  AUD: [2000, 10000, 500],
  JPY: [2000, 9000, 500],
  KRW: [20000, 90000, 5000],
};
const LANGUAGE_CURRENCY: Partial<Record<string, CurrencyCode>> = { Japanese: 'JPY', Korean: 'KRW' };
const DURATIONS = [30, 45, 60, 60, 60, 90, 90, 120] as const;
const CANCEL_REASONS = [
  'Student is ill',
  'Schedule conflict',
  'Booked the wrong time',
  'Teacher unavailable',
  'Travel plans changed',
];
const NOTES = [
  'Focus on speaking, please',
  'Preparing for a job interview',
  'Homework review',
  'Exam in two weeks',
  null,
  null,
  null,
];

function weighted<T>(random: () => number, entries: readonly (readonly [T, number])[]): T {
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = random() * total;
  for (const [value, weight] of entries) {
    roll -= weight;
    if (roll < 0) return value;
  }
  const last = entries.at(-1);
  if (!last) throw new Error('weighted pick from an empty list');
  return last[0];
}

export function peopleCounts(bookings: number): { teachers: number; students: number } {
  return {
    teachers: Math.min(5000, Math.max(5, Math.ceil(bookings / 200))),
    students: Math.min(50000, Math.max(10, Math.ceil(bookings / 20))),
  };
}

function person(random: () => number, key: number, kind: 'student' | 'teacher', language: string): SeedPerson {
  const first = pick(random, FIRST_NAMES[language] ?? []);
  const last = pick(random, LAST_NAMES[language] ?? []);
  const slug = `${first}.${last}`
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z.]/g, '');
  return {
    key,
    name: `${first} ${last}`,
    email: `${slug}.${kind === 'student' ? 's' : 't'}${key}@demo.linguaflex.test`,
    timezone: pick(random, LANGUAGE_TIMEZONES[language] ?? ['UTC']),
  };
}

export interface SeedPeople {
  teachers: SeedPerson[];
  students: SeedPerson[];
  gigs: SeedGig[];
}

export function generatePeople(options: SeedOptions): SeedPeople {
  const random = prng(options.seed);
  const counts = peopleCounts(options.bookings);
  const teachers: SeedPerson[] = [];
  const gigs: SeedGig[] = [];
  for (let key = 0; key < counts.teachers; key += 1) {
    const language = pick(random, LANGUAGES);
    teachers.push(person(random, key, 'teacher', language));
    const currency = LANGUAGE_CURRENCY[language] ?? weighted(random, CURRENCY_WEIGHTS);
    const [min, max, step] = RATE_RANGE[currency];
    const gigCount = 1 + Math.floor(random() * 3);
    for (let index = 0; index < gigCount; index += 1) {
      const steps = Math.floor((max - min) / step);
      gigs.push({
        key: gigs.length,
        teacherKey: key,
        title: pick(random, GIG_TITLES).replace('{lang}', language),
        language,
        hourlyRateMinor: min + Math.floor(random() * (steps + 1)) * step,
        currency,
      });
    }
  }
  const students: SeedPerson[] = [];
  for (let key = 0; key < counts.students; key += 1)
    students.push(person(random, key, 'student', pick(random, LANGUAGES)));
  return { teachers, students, gigs };
}

type Fate = `${BookingStatus}/${BookingPaymentStatus}`;

const PAST_FATES: readonly (readonly [Fate, number])[] = [
  ['COMPLETED/PAID', 70],
  ['COMPLETED/PARTIALLY_REFUNDED', 3],
  ['REFUNDED/REFUNDED', 4],
  ['CANCELLED/UNPAID', 15],
  ['CANCELLED/REFUNDED', 3],
];
const FUTURE_FATES: readonly (readonly [Fate, number])[] = [
  ['PENDING/UNPAID', 30],
  ['CONFIRMED/UNPAID', 18],
  ['CONFIRMED/PENDING', 5],
  ['CONFIRMED/FAILED', 4],
  ['CONFIRMED/PAID', 33],
  ['CANCELLED/UNPAID', 10],
];

/**
 * Bookings `from` (inclusive) to `to` (exclusive) of the full deterministic sequence, so a large run
 * can be generated and written chunk by chunk. Each teacher's sessions sit on their own grid, so
 * no two of a teacher's bookings overlap.
 */
export function generateBookings(options: SeedOptions, people: SeedPeople, from: number, to: number): SeedBooking[] {
  const { teachers, students, gigs } = people;
  const gigsByTeacher = new Map<number, SeedGig[]>();
  for (const gig of gigs) gigsByTeacher.set(gig.teacherKey, [...(gigsByTeacher.get(gig.teacherKey) ?? []), gig]);
  const perTeacher = Math.ceil(options.bookings / teachers.length);
  const windowStart = options.now.getTime() - 180 * DAY_MS;
  // At least 4 h between a teacher's slots (the longest session), spread over 360 days.
  const spacing = Math.max(4 * HOUR_MS, Math.floor((360 * DAY_MS) / perTeacher / (15 * MINUTE_MS)) * 15 * MINUTE_MS);
  const result: SeedBooking[] = [];
  for (let index = from; index < to; index += 1) {
    const random = prng(options.seed * 1_000_003 + index);
    const teacherKey = index % teachers.length;
    const slot = Math.floor(index / teachers.length);
    const gig = pick(random, gigsByTeacher.get(teacherKey) ?? []);
    const student = students[Math.floor(random() * students.length)];
    if (!student) throw new Error('no students');
    const minutes = pick(random, DURATIONS);
    const jitter =
      Math.floor((random() * Math.max(0, spacing - minutes * MINUTE_MS - HOUR_MS)) / (15 * MINUTE_MS)) * 15 * MINUTE_MS;
    const startsAt = new Date(windowStart + slot * spacing + jitter + 8 * HOUR_MS);
    const endsAt = new Date(startsAt.getTime() + minutes * MINUTE_MS);
    const now = options.now.getTime();
    const isPast = endsAt.getTime() + DAY_MS < now;
    const isFuture = startsAt.getTime() > now + 2 * HOUR_MS;
    const fate: Fate = isPast
      ? weighted(random, PAST_FATES)
      : isFuture
        ? weighted(random, FUTURE_FATES)
        : 'CONFIRMED/PAID';
    const quote = quoteSession({ hourlyRateMinor: gig.hourlyRateMinor, minutes, currency: gig.currency });
    const lead = (1 + Math.floor(random() * 20)) * DAY_MS;
    const createdAt = new Date(Math.min(startsAt.getTime() - lead, now - HOUR_MS));
    const { transitions, cancelReason } = history(random, fate, createdAt, startsAt, endsAt, now);
    const [status, paymentStatus] = fate.split('/') as [BookingStatus, BookingPaymentStatus];
    result.push({
      studentKey: student.key,
      gigKey: gig.key,
      teacherKey,
      startsAt,
      endsAt,
      minutes,
      status,
      paymentStatus,
      notes: pick(random, NOTES),
      cancelReason,
      quote,
      createdAt,
      updatedAt: transitions.at(-1)?.at ?? createdAt,
      transitions,
    });
  }
  return result;
}

/** A legal sequence of transitions (R10–R19) ending in `fate`, with plausible times. */
function history(
  random: () => number,
  fate: Fate,
  createdAt: Date,
  startsAt: Date,
  endsAt: Date,
  now: number,
): { transitions: SeedTransition[]; cancelReason: string | null } {
  const transitions: SeedTransition[] = [];
  let status: BookingStatus | null = null;
  let payment: BookingPaymentStatus | null = null;
  let at = createdAt.getTime();
  const latest = Math.min(now - MINUTE_MS, startsAt.getTime() - 20 * MINUTE_MS);
  type Who = 'STUDENT' | 'TEACHER' | 'SYSTEM' | 'ADMIN' | 'FINANCE';
  const step = (
    action: string,
    to: BookingStatus,
    toPayment: BookingPaymentStatus,
    actor: Who,
    reason: string | null = null,
    fixedAt?: number,
  ) => {
    at = fixedAt ?? Math.min(at + Math.floor(random() * 12 * HOUR_MS) + MINUTE_MS, Math.max(at + 1000, latest));
    transitions.push({
      action,
      fromStatus: status,
      toStatus: to,
      fromPaymentStatus: payment,
      toPaymentStatus: toPayment,
      actorKind: actor === 'ADMIN' || actor === 'FINANCE' ? 'STAFF' : actor,
      actorRole: actor,
      actor: actor === 'SYSTEM' ? null : (actor.toLowerCase() as 'student' | 'teacher' | 'admin' | 'finance'),
      reason,
      at: new Date(at),
    });
    status = to;
    payment = toPayment;
  };
  step('create', 'PENDING', 'UNPAID', 'STUDENT', null, at);
  if (fate === 'PENDING/UNPAID') return { transitions, cancelReason: null };
  if (fate === 'CANCELLED/UNPAID') {
    const reason = pick(random, CANCEL_REASONS);
    if (random() < 0.5) step('decline', 'CANCELLED', 'UNPAID', 'TEACHER', reason);
    else step('cancel', 'CANCELLED', 'UNPAID', 'STUDENT', reason);
    return { transitions, cancelReason: reason };
  }
  step('confirm', 'CONFIRMED', 'UNPAID', 'TEACHER');
  if (fate === 'CONFIRMED/UNPAID') return { transitions, cancelReason: null };
  step('start_payment', 'CONFIRMED', 'PENDING', 'STUDENT');
  if (fate === 'CONFIRMED/PENDING') return { transitions, cancelReason: null };
  if (fate === 'CONFIRMED/FAILED') {
    step('payment_failed', 'CONFIRMED', 'FAILED', 'SYSTEM');
    return { transitions, cancelReason: null };
  }
  step('payment_succeeded', 'CONFIRMED', 'PAID', 'SYSTEM');
  if (fate === 'CONFIRMED/PAID') return { transitions, cancelReason: null };
  if (fate === 'CANCELLED/REFUNDED') {
    const reason = pick(random, CANCEL_REASONS);
    // R18 with R27: cancelled at once, refunded when Stripe said the full refund succeeded.
    step('cancel_paid', 'CANCELLED', 'PAID', 'ADMIN', reason);
    step('refund', 'CANCELLED', 'REFUNDED', 'SYSTEM', reason);
    return { transitions, cancelReason: reason };
  }
  step('complete', 'COMPLETED', 'PAID', 'SYSTEM', null, endsAt.getTime() + DAY_MS);
  if (fate === 'COMPLETED/PARTIALLY_REFUNDED')
    step('refund', 'COMPLETED', 'PARTIALLY_REFUNDED', 'FINANCE', 'Session started late', endsAt.getTime() + 2 * DAY_MS);
  if (fate === 'REFUNDED/REFUNDED')
    step('refund', 'REFUNDED', 'REFUNDED', 'FINANCE', 'Audio problems throughout', endsAt.getTime() + 2 * DAY_MS);
  return { transitions, cancelReason: null };
}
