import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startHost, type RunningHost } from '../../src/main/host';
import { bookingActionSchema, bookingSchema } from '../../src/main/http/api/schemas';
import { silentLogger } from '../../src/main/log';
import { SmtpSandbox } from '../../src/main/sandbox/smtp';
import { StripeSandbox } from '../../src/main/sandbox/stripe';
import { ZoomSandbox } from '../../src/main/sandbox/zoom';

/**
 * R51–R53 through the marketplace API (seed-api.md): the booking's student or teacher asks to move
 * it, the other party answers, with the backend's field names; anyone else is answered 404, and the
 * guards name their field (400) or refuse the state (409).
 */
describe('rescheduling through the marketplace API', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'linguaflex-api-reschedule-'));
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
      env: { LINGUAFLEX_RATE_LIMIT_FACTOR: '100' },
    });
  });
  afterAll(async () => {
    await host.close();
    await Promise.all([stripe.stop(), zoom.stop(), smtp.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  });

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
    if (options.schema && response.ok) expect(options.schema.safeParse(json).error?.issues ?? []).toEqual([]);
    return { status: response.status, body: json as z.output<S> & Record<string, unknown> };
  }

  let sequence = 0;
  async function signUp(role: 'STUDENT' | 'TEACHER') {
    sequence += 1;
    const email = `${role.toLowerCase()}${sequence}@reschedule.test`;
    await call('POST', '/api/register/', {
      body: { email, password: 'correct horse 1', full_name: `${role} ${sequence}`, role },
    });
    const login = await call('POST', '/api/login/', { body: { email, password: 'correct horse 1' } });
    return { token: String(login.body['access_token']), id: (login.body['user'] as { id: number }).id };
  }

  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  const startIn = (hours: number) => {
    const start = new Date(Date.now() + hours * 3600_000);
    start.setUTCMinutes(0, 0, 0);
    return start.getTime();
  };

  /** A paid one-hour booking three days ahead between a new student and teacher. */
  async function paidBooking() {
    const student = await signUp('STUDENT');
    const teacher = await signUp('TEACHER');
    const gig = await call('POST', '/api/gigs/', {
      token: teacher.token,
      body: { title: 'Spanish', language: 'es', hourly_rate_cents: 4000, currency: 'USD' },
    });
    const start = startIn(72);
    const created = await call('POST', '/api/bookings/bookings/', {
      schema: bookingSchema,
      token: student.token,
      body: { gig: gig.body['id'], start_time: iso(start), duration_hours: '1' },
    });
    const id = created.body['id'];
    await call('POST', `/api/bookings/bookings/${id}/confirm/`, { token: teacher.token });
    const card = await call('POST', '/api/payments/add-payment-method/', {
      token: student.token,
      body: { payment_method_id: 'pm_card_visa' },
    });
    const intent = await call('POST', '/api/payments/create-payment-intent/', {
      token: student.token,
      body: { session_booking_id: id, payment_method_id: card.body['payment_method_id'] },
    });
    const paid = await call('POST', '/api/payments/confirm-payment/', {
      token: student.token,
      body: { payment_intent_id: intent.body['payment_intent_id'] },
    });
    expect(paid.body['status']).toBe('PAID');
    return { student, teacher, id, start };
  }

  it('the student asks, the teacher accepts: the booking moves, paid, with the same join link', async () => {
    const { student, teacher, id, start } = await paidBooking();
    // The meeting is created by the outbox shortly after the payment.
    let before = await call('GET', `/api/bookings/bookings/${id}/`, { token: teacher.token });
    for (let wait = 0; wait < 50 && !before.body['zoom_join_url']; wait += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      before = await call('GET', `/api/bookings/bookings/${id}/`, { token: teacher.token });
    }
    expect(before.body['zoom_join_url']).toEqual(expect.any(String));
    const wanted = start + 26 * 3600_000;

    const asked = await call('POST', `/api/bookings/bookings/${id}/reschedule/`, {
      schema: bookingActionSchema,
      token: student.token,
      body: { start_time: iso(wanted), reason: 'I have an exam that morning' },
    });
    expect(asked.status).toBe(200);
    expect(asked.body['booking']).toMatchObject({
      start_time: new Date(start).toISOString(),
      reschedule_request_status: 'REQUESTED',
      reschedule_requested_by: 'STUDENT',
      reschedule_request_start_time: new Date(wanted).toISOString(),
      reschedule_request_end_time: new Date(wanted + 3600_000).toISOString(),
      reschedule_request_reason: 'I have an exam that morning',
    });
    // The asker cannot answer their own request.
    const own = await call('POST', `/api/bookings/bookings/${id}/reschedule/respond/`, {
      token: student.token,
      body: { accept: true },
    });
    expect(own.status).toBe(409);

    const accepted = await call('POST', `/api/bookings/bookings/${id}/reschedule/respond/`, {
      schema: bookingActionSchema,
      token: teacher.token,
      body: { accept: true, reason: 'Fine with me' },
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body['booking']).toMatchObject({
      start_time: new Date(wanted).toISOString(),
      end_time: new Date(wanted + 3600_000).toISOString(),
      status: 'CONFIRMED',
      payment_status: 'PAID',
      payment_id: before.body['payment_id'],
      zoom_join_url: before.body['zoom_join_url'],
      reschedule_request_status: 'ACCEPTED',
    });
  });

  it('the teacher asks, the student declines; anyone else is answered 404; the guards name their field or refuse with 409', async () => {
    const { student, teacher, id, start } = await paidBooking();
    const stranger = await signUp('STUDENT');
    const otherTeacher = await signUp('TEACHER');

    // Bad input names the field.
    const noTime = await call('POST', `/api/bookings/bookings/${id}/reschedule/`, {
      token: teacher.token,
      body: { reason: 'x' },
    });
    expect(noTime.status).toBe(400);
    expect(JSON.stringify(noTime.body)).toContain('start_time');
    const tooSoon = await call('POST', `/api/bookings/bookings/${id}/reschedule/`, {
      token: teacher.token,
      body: { start_time: iso(Date.now() + 10 * 60_000), reason: 'x' },
    });
    expect(tooSoon.status).toBe(400);
    expect(tooSoon.body).toMatchObject({ details: { start_time: [expect.stringContaining('at least 1 hour')] } });
    const noReason = await call('POST', `/api/bookings/bookings/${id}/reschedule/`, {
      token: teacher.token,
      body: { start_time: iso(start + 48 * 3600_000) },
    });
    expect(noReason.status).toBe(400);
    expect(JSON.stringify(noReason.body)).toContain('reason');

    // Another person's booking is absent, whatever they try.
    for (const token of [stranger.token, otherTeacher.token]) {
      const asked = await call('POST', `/api/bookings/bookings/${id}/reschedule/`, {
        token,
        body: { start_time: iso(start + 48 * 3600_000), reason: 'x' },
      });
      expect(asked.status).toBe(404);
    }

    const asked = await call('POST', `/api/bookings/bookings/${id}/reschedule/`, {
      token: teacher.token,
      body: { start_time: iso(start + 48 * 3600_000), reason: 'Conference' },
    });
    expect(asked.status).toBe(200);
    // One open request at a time: 409.
    const second = await call('POST', `/api/bookings/bookings/${id}/reschedule/`, {
      token: student.token,
      body: { start_time: iso(start + 50 * 3600_000), reason: 'y' },
    });
    expect(second.status).toBe(409);
    for (const token of [stranger.token, otherTeacher.token]) {
      const answered = await call('POST', `/api/bookings/bookings/${id}/reschedule/respond/`, {
        token,
        body: { accept: true },
      });
      expect(answered.status).toBe(404);
    }
    const badAnswer = await call('POST', `/api/bookings/bookings/${id}/reschedule/respond/`, {
      token: student.token,
      body: { accept: 'yes' },
    });
    expect(badAnswer.status).toBe(400);
    expect(JSON.stringify(badAnswer.body)).toContain('accept');

    const declined = await call('POST', `/api/bookings/bookings/${id}/reschedule/respond/`, {
      token: student.token,
      body: { accept: false, reason: 'I cannot on that day' },
    });
    expect(declined.status).toBe(200);
    expect(declined.body['booking']).toMatchObject({
      start_time: new Date(start).toISOString(),
      reschedule_request_status: 'DECLINED',
      reschedule_requested_by: 'TEACHER',
    });
  });
});
