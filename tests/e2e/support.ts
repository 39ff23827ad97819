import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { expect, type Page } from '@playwright/test';
import { mkdirSync, writeFileSync } from 'node:fs';
import superjson from 'superjson';
import type { AppRouter } from '../../src/main/api/root';
import { ADMIN } from './global-setup';

export const baseUrl = (): string => {
  const url = process.env['E2E_BASE_URL'];
  if (!url) throw new Error('E2E_BASE_URL is not set (the global setup starts the host)');
  return url;
};

export function api(token: string | null) {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${baseUrl()}/trpc`,
        transformer: superjson,
        headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
      }),
    ],
  });
}

export async function signInApi(email = ADMIN.email, password = ADMIN.password) {
  const session = await api(null).auth.login.mutate({ email, password });
  return { session, client: api(session.token) };
}

let sequence = 0;
/** Staff of each role and a teacher, student and gig of its own, made over the real API. */
export async function seedWorld() {
  const { client: admin } = await signInApi();
  const tag = `${Date.now().toString(36)}${(sequence += 1)}`;
  const staff = {
    finance: { email: `fin-${tag}@e2e.test`, password: 'finance password' },
    support: { email: `sup-${tag}@e2e.test`, password: 'support password' },
  };
  await admin.staff.create.mutate({ ...staff.finance, name: `Fiona Finance ${tag}`, role: 'FINANCE' });
  await admin.staff.create.mutate({ ...staff.support, name: `Sam Support ${tag}`, role: 'SUPPORT' });
  const teacher = await admin.people.create.mutate({
    kind: 'teacher',
    email: `teacher-${tag}@e2e.test`,
    name: `Tomás Teacher ${tag}`,
    timezone: 'Europe/Madrid',
  });
  const student = await admin.people.create.mutate({
    kind: 'student',
    email: `student-${tag}@e2e.test`,
    name: `Stella Student ${tag}`,
    timezone: 'America/New_York',
  });
  const gig = await admin.gigs.create.mutate({
    teacherId: teacher.id,
    title: `Conversation ${tag}`,
    language: 'Spanish',
    hourlyRateMinor: 5000,
    currency: 'USD',
  });
  let slot = 0;
  const book = async () =>
    admin.bookings.create.mutate({
      studentId: student.id,
      gigId: gig.id,
      startsAt: new Date(Date.now() + (48 + (slot += 3)) * 3600_000),
      minutes: 90,
    });
  /** Takes the booking's payment with a test card (pm_card_visa, pm_card_refundFail, …) and waits for PAID. */
  const pay = async (bookingId: number, card = 'pm_card_visa') => {
    const method = await admin.payments.attachMethod.mutate({ studentId: student.id, paymentMethodId: card });
    const intent = await admin.payments.createIntent.mutate({ bookingId, paymentMethodId: method.paymentMethodId });
    const paid = await admin.payments.confirm.mutate({
      paymentIntentId: intent.paymentIntentId,
      paymentMethodId: method.paymentMethodId,
    });
    expect(paid.status).toBe('PAID');
    await expect
      .poll(async () => (await admin.bookings.get.query({ id: bookingId })).paymentStatus, { timeout: 15_000 })
      .toBe('PAID');
    return paid;
  };
  /** A future booking, confirmed and paid. */
  const paidBooking = async (card = 'pm_card_visa') => {
    const booking = await book();
    await admin.bookings.confirm.mutate({ id: booking.id });
    const paid = await pay(booking.id, card);
    return { booking, paymentId: paid.paymentId };
  };
  /**
   * A session that took place and was paid, completed by an admin: booked and paid with the host's
   * clock three hours back (a booking must start at least an hour ahead, R10), then completed at the
   * real time, after its end (R17).
   */
  const completedBooking = async (card = 'pm_card_visa') => {
    const back = 3 * 3600_000;
    const inThePast = async () => {
      const booking = await admin.bookings.create.mutate({
        studentId: student.id,
        gigId: gig.id,
        startsAt: new Date(Date.now() - back + 65 * 60_000),
        minutes: 30,
      });
      await admin.bookings.confirm.mutate({ id: booking.id });
      return { booking, paymentId: (await pay(booking.id, card)).paymentId };
    };
    setClockOffset(-back);
    const created = await inThePast().finally(() => setClockOffset(0));
    await admin.bookings.complete.mutate({ id: created.booking.id });
    return created;
  };
  return { tag, admin, staff, teacher, student, gig, book, pay, paidBooking, completedBooking };
}

/** Moves the host's service clock by `ms` from real time (0: back to real time); see tests/e2e/host.ts. */
export function setClockOffset(ms: number): void {
  const file = process.env['E2E_CLOCK_FILE'];
  if (!file) throw new Error('E2E_CLOCK_FILE is not set (the global setup starts the host)');
  writeFileSync(file, String(ms));
}

/** The booking page's one action bar. */
export const actionBar = (page: Page) => page.getByRole('group', { name: 'Actions' });

export async function signInUi(page: Page, email: string, password: string): Promise<void> {
  await page.goto(baseUrl());
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('who').waitFor();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync('test-results/screenshots', { recursive: true });
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
}

/** The few DOM pieces the recorder below needs (the tests compile without the DOM library). */
interface PageGlobals {
  document: { body: unknown; querySelector(selector: string): { textContent: string | null } | null };
  MutationObserver: new (callback: () => void) => {
    observe(target: unknown, options: { subtree: boolean; childList: boolean; characterData: boolean }): void;
  };
  [key: string]: unknown;
}

let recorders = 0;
/**
 * Records, from now on, every distinct text the first element matching `selector` shows, however
 * briefly (a state that lasts a second between two live updates included). Returns a reader.
 */
export async function recordTexts(page: Page, selector: string): Promise<() => Promise<string[]>> {
  const key = `e2eRecorder${(recorders += 1)}`;
  await page.evaluate(
    ({ key, selector }) => {
      const scope = globalThis as unknown as PageGlobals;
      const seen: string[] = [];
      scope[key] = seen;
      const note = () => {
        const text = scope.document.querySelector(selector)?.textContent ?? '';
        if (text && seen.at(-1) !== text) seen.push(text);
      };
      note();
      new scope.MutationObserver(note).observe(scope.document.body, {
        subtree: true,
        childList: true,
        characterData: true,
      });
    },
    { key, selector },
  );
  return () =>
    page.evaluate((name) => ((globalThis as unknown as PageGlobals)[name] as string[] | undefined) ?? [], key);
}
