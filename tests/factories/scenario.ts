import type { Actor, StaffRole } from '../../src/main/domain/actors';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../src/main/domain/clock';
import type { CurrencyCode } from '../../src/main/domain/money';
import type { BookingPaymentStatus, BookingStatus } from '../../src/main/domain/states';
import type { Container } from '../../src/main/container';
import type { BookingView } from '../../src/main/services/bookings';
import type { GigRecord } from '../../src/main/services/ports';

/**
 * One declarative description of the people, gigs and bookings a test needs; `buildScenario`
 * creates them through the real services (so every booking got to its state by legal transitions).
 */
export interface ScenarioSpec {
  staff?: Record<string, StaffRole>;
  teachers?: Record<
    string,
    { timezone?: string; gigs?: Record<string, { rate: number; currency?: CurrencyCode; language?: string }> }
  >;
  students?: Record<string, { timezone?: string }>;
  bookings?: Record<
    string,
    {
      student: string;
      /** "teacher.gig" */
      gig: string;
      /** Hours from now to the start. */
      startsInHours?: number;
      minutes?: number;
      /** The state to drive the booking to. */
      state?: `${BookingStatus}/${BookingPaymentStatus}`;
    }
  >;
}

type StaffActor = Actor & { kind: 'STAFF' };
type Keys<T> = T extends undefined ? never : keyof T;
type Gigs<T> = T extends { gigs?: infer G } ? { [K in Keys<G>]: GigRecord } : Record<string, never>;

/** What buildScenario made, keyed by the names the spec used (so tests need no lookups by string). */
export interface Scenario<S extends ScenarioSpec> {
  staff: { [K in Keys<S['staff']>]: StaffActor };
  teachers: { [K in Keys<S['teachers']>]: { id: number; gigs: Gigs<NonNullable<S['teachers']>[K]> } };
  students: { [K in Keys<S['students']>]: { id: number } };
  bookings: { [K in Keys<S['bookings']>]: BookingView };
  admin: StaffActor;
}

let sequence = 0;
const unique = () =>
  `${Date.now().toString(36)}${(sequence += 1).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export const SYSTEM: Actor = { kind: 'SYSTEM', process: 'test' };

export async function buildScenario<const S extends ScenarioSpec>(container: Container, spec: S): Promise<Scenario<S>> {
  const { services, uow, clock } = container;
  const tag = unique();
  const bootstrap = await uow.transaction((repos) =>
    repos.staff.create({
      email: `root-${tag}@ops.test`,
      name: 'Scenario Admin',
      role: 'ADMIN',
      passwordHash: 'x',
      createdAt: clock.now(),
    }),
  );
  const admin: StaffActor = { kind: 'STAFF', id: bootstrap.id, role: 'ADMIN' };
  const staffByName: Record<string, StaffActor> = {};
  const teachers: Record<string, { id: number; gigs: Record<string, GigRecord> }> = {};
  const students: Record<string, { id: number }> = {};
  const bookings: Record<string, BookingView> = {};

  for (const [name, role] of Object.entries(spec.staff ?? {})) {
    const staff = await services.staff.create(admin, {
      email: `${name}-${tag}@ops.test`,
      name,
      role,
      password: 'correct horse battery',
    });
    staffByName[name] = { kind: 'STAFF', id: staff.id, role };
  }
  for (const [name, teacher] of Object.entries(spec.teachers ?? {})) {
    const created = await services.people.create(admin, {
      kind: 'teacher',
      email: `${name}-${tag}@teach.test`,
      name,
      timezone: teacher.timezone,
    });
    const gigs: Record<string, GigRecord> = {};
    for (const [gigName, gig] of Object.entries(teacher.gigs ?? {})) {
      gigs[gigName] = await services.people.createGig(admin, {
        teacherId: created.id,
        title: `${gigName} with ${name}`,
        language: gig.language ?? 'Spanish',
        hourlyRateMinor: gig.rate,
        currency: gig.currency ?? 'USD',
      });
    }
    teachers[name] = { id: created.id, gigs };
  }
  for (const [name, student] of Object.entries(spec.students ?? {})) {
    const created = await services.people.create(admin, {
      kind: 'student',
      email: `${name}-${tag}@learn.test`,
      name,
      timezone: student.timezone,
    });
    students[name] = { id: created.id };
  }
  let slot = 0;
  for (const [name, booking] of Object.entries(spec.bookings ?? {})) {
    const [teacherName = '', gigName = ''] = booking.gig.split('.');
    const gig = teachers[teacherName]?.gigs[gigName];
    const student = students[booking.student];
    if (!gig || !student) throw new Error(`Scenario booking ${name} names an unknown gig or student`);
    // Distinct default slots so a scenario's bookings never overlap by accident.
    const startsAt = new Date(clock.now().getTime() + (booking.startsInHours ?? 48 + slot * 5) * HOUR_MS);
    slot += 1;
    let record = await services.bookings.create(admin, {
      studentId: student.id,
      gigId: gig.id,
      startsAt,
      minutes: booking.minutes ?? 60,
    });
    record = await driveTo(container, record, booking.state ?? 'PENDING/UNPAID');
    bookings[name] = record;
  }
  // The records above were made from exactly the spec's keys.
  return { staff: staffByName, teachers, students, bookings, admin } as unknown as Scenario<S>;
}

/**
 * Moves a fresh PENDING booking along legal transitions to the requested state — through the real
 * services and the Stripe sandbox (a card attached, an intent, a confirm), never by writing a status.
 */
async function driveTo(container: Container, booking: BookingView, state: string): Promise<BookingView> {
  const { services } = container;
  const teacher: Actor = { kind: 'TEACHER', id: booking.teacherId };
  const student: Actor = { kind: 'STUDENT', id: booking.studentId };
  const confirm = (b: BookingView) => services.bookings.confirm(teacher, { id: b.id });
  const pay = (card: string | null) => async (b: BookingView) => {
    const method = card
      ? (await services.payments.attachMethod(student, { studentId: b.studentId, paymentMethodId: card }))
          .paymentMethodId
      : undefined;
    const intent = await services.payments.createIntent(student, { bookingId: b.id, paymentMethodId: method });
    if (card) await services.payments.confirm(student, { paymentIntentId: intent.paymentIntentId });
    return reload(b);
  };
  const reload = async (b: BookingView) => {
    const detail = await services.bookings.get(student, { id: b.id });
    return { ...detail.booking, meetingJoinUrl: detail.meeting?.joinUrl ?? null, rescheduleRequest: null };
  };
  const steps: Record<string, ((b: BookingView) => Promise<BookingView>)[]> = {
    'PENDING/UNPAID': [],
    'CONFIRMED/UNPAID': [confirm],
    'CONFIRMED/PENDING': [confirm, pay(null)],
    'CONFIRMED/FAILED': [confirm, pay('pm_card_chargeCustomerFail')],
    'CONFIRMED/PAID': [confirm, pay('pm_card_visa')],
    'CANCELLED/UNPAID': [(b) => services.bookings.decline(teacher, { id: b.id, reason: 'scenario' })],
  };
  const plan = steps[state];
  if (!plan) throw new Error(`The scenario builder cannot reach ${state} yet`);
  let current = booking;
  for (const step of plan) current = await step(current);
  return current;
}

export const inHours = (hours: number) => hours * HOUR_MS;
export { DAY_MS, HOUR_MS, MINUTE_MS };
