import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/main/container';
import { fixedClock, HOUR_MS } from '../../src/main/domain/clock';
import type { DomainError } from '../../src/main/domain/errors';
import { buildScenario } from '../factories/scenario';
import { signedInCaller } from '../support/callers';
import { DB_KINDS, openTestContainer } from '../support/test-db';

const START = new Date('2026-05-04T09:00:00Z');

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('expected a refusal');
}

/** Issue 12, points 9 and 11: searches list upcoming bookings first; the Payments page searches on the server. */
describe.each(DB_KINDS)('search on the server on %s', (kind) => {
  const clock = fixedClock(START);
  let container: Container;
  let database: Awaited<ReturnType<typeof openTestContainer>>;

  beforeAll(async () => {
    database = await openTestContainer(kind, clock);
    container = database.container;
  });
  afterAll(async () => database.dispose());

  it('a search lists upcoming bookings first (soonest first), then past ones (latest first), paged by cursor across the boundary', async () => {
    clock.set(START);
    // Two teachers the search matches, with equal starts across them so the id breaks ties on both sides.
    const s = await buildScenario(container, {
      teachers: { orsolya: { gigs: { es: { rate: 4000 } } }, orsolyana: { gigs: { es: { rate: 4000 } } } },
      students: { petra: {}, quentin: {} },
      bookings: {
        h10: { student: 'petra', gig: 'orsolya.es', startsInHours: 10 },
        h20: { student: 'quentin', gig: 'orsolya.es', startsInHours: 20 },
        h30: { student: 'petra', gig: 'orsolya.es', startsInHours: 30 },
        h30b: { student: 'quentin', gig: 'orsolyana.es', startsInHours: 30 },
        h40: { student: 'petra', gig: 'orsolya.es', startsInHours: 40 },
        h50: { student: 'quentin', gig: 'orsolya.es', startsInHours: 50 },
        h60: { student: 'petra', gig: 'orsolya.es', startsInHours: 60 },
        h60b: { student: 'quentin', gig: 'orsolyana.es', startsInHours: 60 },
        h70: { student: 'petra', gig: 'orsolya.es', startsInHours: 70 },
      },
    });
    // Someone else's booking the search must not list.
    await buildScenario(container, {
      teachers: { bruno: { gigs: { fr: { rate: 3000 } } } },
      students: { ida: {} },
      bookings: { other: { student: 'ida', gig: 'bruno.fr', startsInHours: 55 } },
    });
    const b = s.bookings;
    // h50 starts exactly at "now": it counts as upcoming.
    clock.set(new Date(START.getTime() + 50 * HOUR_MS));
    const [low30, high30] = [b.h30.id, b.h30b.id].sort((x, y) => x - y);
    const [low60, high60] = [b.h60.id, b.h60b.id].sort((x, y) => x - y);
    const expected = [b.h50.id, low60, high60, b.h70.id, b.h40.id, high30, low30, b.h20.id, b.h10.id];

    const pageThrough = async (input: { sort?: 'upcoming'; limit: number }, between?: () => void) => {
      const seen: number[] = [];
      const pages: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await container.services.bookings.list(s.admin, { search: 'orsolya', ...input, cursor });
        seen.push(...page.items.map((item) => item.id));
        pages.push(page.items.length);
        cursor = page.nextCursor ?? undefined;
        between?.();
      } while (cursor);
      return { seen, pages };
    };

    // Without a sort a search is 'upcoming'; pages of 3 cross the divide inside the second page.
    const byDefault = await pageThrough({ limit: 3 });
    expect(byDefault.seen).toEqual(expected);
    expect(byDefault.pages).toEqual([3, 3, 3]);
    // Page boundaries exactly at the divide (4 upcoming): the next page starts with the latest past booking.
    expect((await pageThrough({ sort: 'upcoming', limit: 2 })).pages).toEqual([2, 2, 2, 2, 1]);
    expect((await pageThrough({ sort: 'upcoming', limit: 2 })).seen).toEqual(expected);
    expect((await pageThrough({ sort: 'upcoming', limit: 4 })).seen).toEqual(expected);
    expect((await pageThrough({ sort: 'upcoming', limit: 1 })).seen).toEqual(expected);
    expect((await pageThrough({ sort: 'upcoming', limit: 100 })).pages).toEqual([9]);

    // Time moves on while paging (h50 and h60 start meanwhile): the divide of the first page holds, so
    // nothing is listed twice or skipped.
    const moving = await pageThrough({ limit: 3 }, () => clock.advance(6 * HOUR_MS));
    expect(moving.seen).toEqual(expected);

    // An explicit column sort still wins over the search default.
    const oldestFirst = await container.services.bookings.list(s.admin, {
      search: 'orsolya',
      sort: 'startsAt',
      limit: 100,
    });
    expect(oldestFirst.items[0]?.id).toBe(b.h10.id);
    // Queues without a search keep their order (ascending start).
    const queue = await container.services.bookings.list(s.admin, { teacherId: s.teachers.orsolya.id, limit: 100 });
    expect(queue.items.map((item) => item.id)).toEqual(
      [b.h10, b.h20, b.h30, b.h40, b.h50, b.h60, b.h70].map((booking) => booking.id),
    );

    // Through the router too (the contract's input, with 'upcoming' as an additive sort value).
    clock.set(new Date(START.getTime() + 50 * HOUR_MS));
    const { caller } = await signedInCaller(container, 'SUPPORT');
    const first = await caller.bookings.list({ search: 'orsolya', sort: 'upcoming', limit: 3 });
    expect(first.items.map((item) => item.id)).toEqual(expected.slice(0, 3));
    const second = await caller.bookings.list({ search: 'orsolya', limit: 3, cursor: first.nextCursor ?? '' });
    expect(second.items.map((item) => item.id)).toEqual(expected.slice(3, 6));

    // A cursor of another order cannot continue an 'upcoming' listing: a 4xx naming the cursor.
    const ascending = await container.services.bookings.list(s.admin, {
      search: 'orsolya',
      sort: 'startsAt',
      limit: 2,
    });
    const wrong = await refusal(
      container.services.bookings.list(s.admin, {
        search: 'orsolya',
        sort: 'upcoming',
        cursor: ascending.nextCursor ?? '',
      }),
    );
    expect(wrong).toMatchObject({ code: 'VALIDATION' });
    expect(JSON.stringify(wrong.details)).toContain('cursor');
  });

  it('payments list: search by name, email, #booking or payment id and pi_ id before the page limit, with paging', async () => {
    clock.set(START);
    const s = await buildScenario(container, {
      teachers: { tiberius: { gigs: { es: { rate: 5000 } } }, ulrike: { gigs: { de: { rate: 4000 } } } },
      students: { wilhelmina: {}, xavier: {} },
      bookings: {
        w1: { student: 'wilhelmina', gig: 'tiberius.es', startsInHours: 100, state: 'CONFIRMED/PAID' },
        x1: { student: 'xavier', gig: 'ulrike.de', startsInHours: 101, state: 'CONFIRMED/PAID' },
        w2: { student: 'wilhelmina', gig: 'ulrike.de', startsInHours: 110, state: 'CONFIRMED/PENDING' },
        x2: { student: 'xavier', gig: 'tiberius.es', startsInHours: 120, state: 'CONFIRMED/PAID' },
        w3: { student: 'wilhelmina', gig: 'tiberius.es', startsInHours: 130, state: 'CONFIRMED/PAID' },
        x3: { student: 'xavier', gig: 'ulrike.de', startsInHours: 140, state: 'CONFIRMED/PAID' },
      },
    });
    const paymentOf = async (bookingId: number) => {
      const [payment] = await container.services.payments.forBooking(s.admin, { bookingId });
      if (!payment) throw new Error(`booking ${bookingId} has no payment`);
      return payment;
    };
    const b = s.bookings;
    const payments = Object.fromEntries(
      await Promise.all(Object.entries(b).map(async ([name, booking]) => [name, await paymentOf(booking.id)] as const)),
    );
    const ids = (names: string[]) => names.map((name) => payments[name]?.id ?? 0).sort((x, y) => y - x);

    const pageThrough = async (input: { search: string; status?: 'PAID' | 'PENDING'; limit: number }) => {
      const seen: number[] = [];
      const pages: number[] = [];
      let cursor: number | undefined;
      do {
        const page = await container.services.payments.list(s.admin, { ...input, cursor });
        seen.push(...page.items.map((item) => item.id));
        pages.push(page.items.length);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return { seen, pages };
    };

    // A student's name, any case, paged 2 at a time, newest first: every match once, nothing else.
    const wilhelmina = await pageThrough({ search: 'WILHELM', limit: 2 });
    expect(wilhelmina.seen).toEqual(ids(['w1', 'w2', 'w3']));
    expect(wilhelmina.pages).toEqual([2, 1]);
    // The matches are found before the limit even when the newest payments are someone else's.
    const onePerPage = await pageThrough({ search: 'wilhelmina', limit: 1 });
    expect(onePerPage.seen).toEqual(ids(['w1', 'w2', 'w3']));
    // Part of an email; a teacher's name; combined with a status.
    expect((await pageThrough({ search: 'xavier-', limit: 2 })).seen).toEqual(ids(['x1', 'x2', 'x3']));
    expect((await pageThrough({ search: 'tiberius', limit: 2 })).seen).toEqual(ids(['w1', 'x2', 'w3']));
    expect((await pageThrough({ search: 'wilhelmina', status: 'PAID', limit: 5 })).seen).toEqual(ids(['w1', 'w3']));
    expect((await pageThrough({ search: 'wilhelmina', status: 'PENDING', limit: 5 })).seen).toEqual(ids(['w2']));
    // A booking's id ("#12") finds its payment; a payment's own id too.
    const byBooking = await container.services.payments.list(s.admin, { search: `#${b.x2.id}` });
    expect(byBooking.items.map((item) => item.bookingId)).toContain(b.x2.id);
    expect(byBooking.items.every((item) => item.bookingId === b.x2.id || item.id === b.x2.id)).toBe(true);
    const paymentId = payments.w3?.id ?? 0;
    const byPaymentId = await container.services.payments.list(s.admin, { search: `#${paymentId}` });
    expect(byPaymentId.items.map((item) => item.id)).toContain(paymentId);
    // A Stripe payment intent id, whole or in part.
    const intent = payments.x3?.stripePaymentIntentId ?? '';
    expect(intent).toMatch(/^pi_/);
    const byIntent = await container.services.payments.list(s.admin, { search: intent });
    expect(byIntent.items.map((item) => item.id)).toEqual(ids(['x3']));
    expect((await container.services.payments.list(s.admin, { search: intent.slice(0, -2) })).items).toHaveLength(1);
    // Through the router, as the Payments page asks (finance).
    const { caller } = await signedInCaller(container, 'FINANCE');
    const routed = await caller.payments.list({ search: 'wilhelmina', limit: 2 });
    expect(routed.items.map((item) => item.id)).toEqual(ids(['w1', 'w2', 'w3']).slice(0, 2));
    expect(routed.nextCursor).toBe(routed.items.at(-1)?.id);
    // Named rows: the list still carries the people.
    expect(byIntent.items[0]).toMatchObject({
      student: { id: s.students.xavier.id, name: 'xavier' },
      teacher: { id: s.teachers.ulrike.id, name: 'ulrike' },
    });
    // Wildcards are plain characters; no match is an empty last page.
    expect(await container.services.payments.list(s.admin, { search: '%' })).toEqual({ items: [], nextCursor: null });
    expect(await container.services.payments.list(s.admin, { search: 'w_lhelmina' })).toEqual({
      items: [],
      nextCursor: null,
    });
    // Bad input is a 4xx naming the field.
    const bad = await refusal(container.services.payments.list(s.admin, { search: 'a\u0000b' }));
    expect(bad).toMatchObject({ code: 'VALIDATION' });
    expect(JSON.stringify(bad.details)).toContain('search');
  });
});
