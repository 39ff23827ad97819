import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { EventSource } from 'eventsource';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AppRouter } from '../../src/main/api/root';
import { startHost, type RunningHost } from '../../src/main/host';
import {
  bookingActionSchema,
  bookingSchema,
  confirmedSchema,
  gigSchema,
  intentSchema,
  methodAddedSchema,
  paymentMethodSchema,
  paymentSchema,
  registeredSchema,
  tokensSchema,
} from '../../src/main/http/api/schemas';
import { silentLogger } from '../../src/main/log';
import { SmtpSandbox } from '../../src/main/sandbox/smtp';
import { StripeSandbox } from '../../src/main/sandbox/stripe';
import { ZoomSandbox } from '../../src/main/sandbox/zoom';
import { bearerEventSource } from '../support/sse';

/**
 * linguaflex-flow.md end to end through the marketplace API (seed-api.md, R50) on a real host:
 * browse, book, confirm, add a card, create the intent, pay — then the meeting and both emails
 * through the outbox (R14) — and the same change live in a staff console.
 */
describe('the seed flow through the marketplace API', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'linguaflex-api-flow-'));
  const stripe = new StripeSandbox();
  const zoom = new ZoomSandbox();
  const smtp = new SmtpSandbox();
  let host: RunningHost;

  beforeAll(async () => {
    await Promise.all([stripe.start(), zoom.start(), smtp.start()]);
    host = await startHost({
      config: {
        dataDir,
        database: { kind: 'pglite', dataDir: path.join(dataDir, 'db') },
        firstAdmin: { email: 'admin@ops.test', password: 'admin password 1' },
      },
      logger: silentLogger,
      demoData: 'skip',
      staticDir: path.join(dataDir, 'no-renderer'),
      integrations: { sandboxes: { stripe, zoom, smtp } },
      env: {},
    });
  });
  afterAll(async () => {
    await host.close();
    await Promise.all([stripe.stop(), zoom.stop(), smtp.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** One request; a success is checked against the answer's schema (the one the document shows). */
  async function call<S extends z.ZodType = z.ZodUnknown>(
    method: string,
    url: string,
    options: { token?: string; body?: unknown; schema?: S } = {},
  ) {
    const response = await fetch(`${host.url}${url}`, {
      method,
      headers: {
        ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
      },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const text = await response.text();
    const json: unknown = text ? JSON.parse(text) : null;
    if (options.schema) expect(options.schema.safeParse(json).error?.issues ?? []).toEqual([]);
    return { status: response.status, body: json as z.output<S> };
  }

  /** A start on the hour, `days` ahead (R10: at least 1 h ahead, at most 180 days). */
  function startIn(days: number): string {
    const start = new Date(Date.now() + days * 24 * 3600_000);
    start.setUTCMinutes(0, 0, 0);
    return start.toISOString().replace('.000Z', 'Z');
  }

  async function signUp(email: string, role: 'STUDENT' | 'TEACHER', fullName: string) {
    const registered = await call('POST', '/api/register/', {
      schema: registeredSchema,
      body: { email, password: 'correct horse 1', full_name: fullName, role, timezone: 'Europe/Berlin' },
    });
    expect(registered.status).toBe(201);
    expect(registered.body.user).toMatchObject({ email, full_name: fullName, role, timezone: 'Europe/Berlin' });
    const login = await call('POST', '/api/login/', {
      schema: tokensSchema,
      body: { email, password: 'correct horse 1' },
    });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ token_type: 'Bearer', expires_in: 900, user: { email, role } });
    return { token: login.body.access_token, id: login.body.user.id };
  }

  it('browse, book, confirm, add a card, create the intent, pay: PAID with a meeting and both emails (R10–R14)', async () => {
    // Accounts: a student and a teacher register and sign in.
    const student = await signUp('emma@students.test', 'STUDENT', 'Emma Student');
    const teacher = await signUp('louis@teachers.test', 'TEACHER', 'Louis Teacher');

    // The teacher offers a gig at $50.00 an hour.
    const gig = await call('POST', '/api/gigs/', {
      schema: gigSchema,
      token: teacher.token,
      body: { title: 'Conversational French', language: 'fr', hourly_rate_cents: 5000, currency: 'USD' },
    });
    expect(gig.status).toBe(201);
    expect(gig.body).toMatchObject({
      teacher: teacher.id,
      teacher_name: 'Louis Teacher',
      hourly_rate_cents: 5000,
      hourly_rate: '50.00',
      currency: 'USD',
    });

    // 1. The student browses teachers and gigs.
    const catalogue = await call('GET', '/api/gigs/?language=fr', { schema: z.array(gigSchema), token: student.token });
    expect(catalogue.status).toBe(200);
    expect(catalogue.body.map((entry) => entry.id)).toContain(gig.body.id);
    expect((await call('GET', `/api/gigs/${gig.body.id}/`, { token: student.token })).body).toEqual(gig.body);

    // 2. The student books 1.5 hours: PENDING / UNPAID, $75.00 + $3.75 = $78.75 (R5).
    const startTime = startIn(3);
    const created = await call('POST', '/api/bookings/bookings/', {
      schema: bookingSchema,
      token: student.token,
      body: { gig: gig.body.id, teacher: teacher.id, start_time: startTime, duration_hours: '1.5', notes: 'Bonjour' },
    });
    expect(created.status).toBe(201);
    const booking = created.body;
    expect(booking).toMatchObject({
      student: student.id,
      teacher: teacher.id,
      gig: gig.body.id,
      student_name: 'Emma Student',
      teacher_name: 'Louis Teacher',
      start_time: new Date(startTime).toISOString(),
      end_time: new Date(Date.parse(startTime) + 90 * 60_000).toISOString(),
      duration_hours: '1.50',
      status: 'PENDING',
      payment_status: 'UNPAID',
      currency: 'USD',
      session_cost_cents: 7500,
      platform_fee_cents: 375,
      total_amount_cents: 7875,
      total_amount: '78.75',
      payment_id: null,
      zoom_join_url: null,
      zoom_meeting_id: null,
      reschedule_request_status: 'NONE',
      reschedule_requested_by: null,
      notes: 'Bonjour',
      cancellation_reason: null,
    });
    expect(booking.next_step).toMatch(/teacher to confirm/);
    expect(booking).not.toHaveProperty('zoom_start_url');

    // 3. The teacher reviews and confirms: CONFIRMED / UNPAID.
    const confirmed = await call('POST', `/api/bookings/bookings/${booking.id}/confirm/`, {
      schema: bookingActionSchema,
      token: teacher.token,
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.booking).toMatchObject({ status: 'CONFIRMED', payment_status: 'UNPAID' });
    expect(confirmed.body.booking.next_step).toMatch(/add a card and pay/);

    // 4–5. The student adds a card (a Stripe test token, never card data) and sees it saved.
    const card = await call('POST', '/api/payments/add-payment-method/', {
      schema: methodAddedSchema,
      token: student.token,
      body: { payment_method_id: 'pm_card_visa' },
    });
    expect(card.status).toBe(200);
    expect(card.body).toMatchObject({ success: true, saved: true, card_brand: 'visa', card_last4: '4242' });
    expect(card.body.payment_method_id).toMatch(/^pm_/);
    const methods = await call('GET', '/api/payments/payment-methods/', {
      schema: z.array(paymentMethodSchema),
      token: student.token,
    });
    expect(methods.body).toEqual([
      expect.objectContaining({
        stripe_payment_method_id: card.body.payment_method_id,
        card_brand: 'visa',
        card_last_four: '4242',
        is_default: true,
      }),
    ]);

    // 6–7. The intent, for the booking's stored quote (R6): 201, 7875 cents.
    const intent = await call('POST', '/api/payments/create-payment-intent/', {
      schema: intentSchema,
      token: student.token,
      body: { session_booking_id: booking.id, payment_method_id: card.body.payment_method_id },
    });
    expect(intent.status).toBe(201);
    expect(intent.body).toMatchObject({ success: true, amount_cents: 7875, amount: '78.75', currency: 'USD' });
    expect(intent.body.payment_intent_id).toMatch(/^pi_/);
    expect(stripe.snapshot().intents.find((entry) => entry['id'] === intent.body.payment_intent_id)).toMatchObject({
      amount: 7875,
      currency: 'usd',
    });
    // Asking again returns the same intent, never a second one (R21).
    const again = await call('POST', '/api/payments/create-payment-intent/', {
      schema: intentSchema,
      token: student.token,
      body: { session_booking_id: booking.id },
    });
    expect(again.status).toBe(200);
    expect(again.body.payment_intent_id).toBe(intent.body.payment_intent_id);

    // 8–10. The student confirms the payment: PAID at once.
    const paid = await call('POST', '/api/payments/confirm-payment/', {
      schema: confirmedSchema,
      token: student.token,
      body: { payment_intent_id: intent.body.payment_intent_id, payment_method_id: card.body.payment_method_id },
    });
    expect(paid.status).toBe(200);
    expect(paid.body).toEqual({
      success: true,
      status: 'PAID',
      requires_action: false,
      payment_id: intent.body.payment_id,
      booking_id: booking.id,
    });
    // Confirming again is harmless.
    const twice = await call('POST', '/api/payments/confirm-payment/', {
      schema: confirmedSchema,
      token: student.token,
      body: { payment_intent_id: intent.body.payment_intent_id },
    });
    expect(twice.body.status).toBe('PAID');

    // 11–12. The outbox creates the meeting and emails both; the booking shows the join link then.
    const detail = () =>
      call('GET', `/api/bookings/bookings/${booking.id}/`, { schema: bookingSchema, token: student.token });
    await expect.poll(async () => (await detail()).body.zoom_join_url, { timeout: 20_000 }).toMatch(/\/j\//);
    const forStudent = (await detail()).body;
    expect(forStudent).toMatchObject({
      status: 'CONFIRMED',
      payment_status: 'PAID',
      payment_id: intent.body.payment_id,
    });
    expect(forStudent.zoom_meeting_id).toEqual(expect.any(String));
    expect(forStudent).not.toHaveProperty('zoom_start_url');
    expect(forStudent).not.toHaveProperty('zoom_password');
    expect(JSON.stringify(forStudent)).not.toContain('zak=');
    const forTeacher = (
      await call('GET', `/api/bookings/bookings/${booking.id}/`, { schema: bookingSchema, token: teacher.token })
    ).body;
    expect(forTeacher.zoom_join_url).toBe(forStudent.zoom_join_url);
    expect(forTeacher.zoom_start_url).toMatch(/\/s\/.*zak=/);
    expect(forTeacher).toHaveProperty('zoom_password');

    const paidMails = () =>
      smtp.messages.filter((mail) => mail.subject === `Booking #${booking.id} is paid — your Zoom link`);
    await expect.poll(() => paidMails().length, { timeout: 20_000 }).toBe(2);
    expect(
      paidMails()
        .map((mail) => mail.to[0])
        .sort(),
    ).toEqual(['emma@students.test', 'louis@teachers.test']);
    for (const mail of paidMails()) expect(mail.text).toContain(forStudent.zoom_join_url);
    expect(
      [...zoom.meetings.values()].filter((meeting) => meeting.agenda.includes(`booking:${booking.id}`)),
    ).toHaveLength(1);

    // Both parties see the payment; only the student sees the card.
    const studentPayments = await call('GET', '/api/payments/payments/', {
      schema: z.array(paymentSchema),
      token: student.token,
    });
    expect(studentPayments.body).toEqual([
      expect.objectContaining({
        id: intent.body.payment_id,
        booking_id: booking.id,
        status: 'PAID',
        amount_cents: 7875,
        amount: '78.75',
        hourly_rate_cents: 5000,
        session_duration_hours: '1.50',
        platform_fee_cents: 375,
        refunded_cents: 0,
        card_brand: 'visa',
        card_last4: '4242',
      }),
    ]);
    const teacherPayment = await call('GET', `/api/payments/payments/${intent.body.payment_id}/`, {
      schema: paymentSchema,
      token: teacher.token,
    });
    expect(teacherPayment.body).toMatchObject({ id: intent.body.payment_id, status: 'PAID' });
    expect(teacherPayment.body).not.toHaveProperty('card_brand');
    expect(teacherPayment.body).not.toHaveProperty('card_last4');

    // The booking lists for both, filtered by status.
    const paidList = await call('GET', '/api/bookings/bookings/?payment_status=PAID', {
      schema: z.array(bookingSchema),
      token: teacher.token,
    });
    expect(paidList.body.map((entry) => entry.id)).toEqual([booking.id]);
  });

  it('a booking made through the API reaches a staff console’s live subscription (bookings.onChange)', async () => {
    const url = `${host.url}/trpc`;
    const signedIn = await createTRPCClient<AppRouter>({
      links: [httpBatchLink({ url, transformer: superjson })],
    }).auth.login.mutate({ email: 'admin@ops.test', password: 'admin password 1' });
    const staffConsole = createTRPCClient<AppRouter>({
      links: [
        splitLink({
          condition: (op) => op.type === 'subscription',
          true: httpSubscriptionLink({
            url,
            transformer: superjson,
            EventSource,
            // The token in the stream's Authorization header: the host refuses one in a URL.
            eventSourceOptions: bearerEventSource(() => signedIn.token),
          }),
          false: httpBatchLink({ url, transformer: superjson, headers: { authorization: `Bearer ${signedIn.token}` } }),
        }),
      ],
    });
    const events: { data: { type: string; bookingId?: number; status?: string } }[] = [];
    let started = false;
    const subscription = staffConsole.bookings.onChange.subscribe(undefined, {
      onStarted: () => (started = true),
      onData: (event) => events.push(event),
    });
    try {
      await expect.poll(() => started, { timeout: 10_000 }).toBe(true);
      const student = await signUp('live@students.test', 'STUDENT', 'Live Student');
      const teacher = await signUp('live@teachers.test', 'TEACHER', 'Live Teacher');
      const gig = await call('POST', '/api/gigs/', {
        schema: gigSchema,
        token: teacher.token,
        body: { title: 'German', language: 'de', hourly_rate_cents: 4000, currency: 'EUR' },
      });
      const booking = await call('POST', '/api/bookings/bookings/', {
        schema: bookingSchema,
        token: student.token,
        body: { gig: gig.body.id, start_time: startIn(5), duration_hours: 1 },
      });
      expect(booking.status).toBe(201);
      await expect
        .poll(
          () =>
            events.find((event) => event.data.type === 'booking.changed' && event.data.bookingId === booking.body.id)
              ?.data,
          { timeout: 10_000 },
        )
        .toMatchObject({ status: 'PENDING' });
    } finally {
      subscription.unsubscribe();
    }
  });
});
