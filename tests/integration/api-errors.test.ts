import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { SignJWT } from 'jose';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AppRouter } from '../../src/main/api/root';
import { BOOKING_TRANSITIONS } from '../../src/main/domain/booking-machine';
import { startHost, type RunningHost } from '../../src/main/host';
import { apiRoutes } from '../../src/main/http/api';
import { CREATION_GUARD_FIELDS, creationGuardNames } from '../../src/main/http/api/routes/bookings';
import {
  bookingActionSchema,
  bookingSchema,
  confirmedSchema,
  gigSchema,
  intentSchema,
  methodAddedSchema,
  paymentMethodSchema,
  refreshedSchema,
  tokensSchema,
} from '../../src/main/http/api/schemas';
import { silentLogger } from '../../src/main/log';
import { buildScenario } from '../factories/scenario';

type Booking = z.output<typeof bookingSchema>;
interface Problem {
  detail?: string;
  error?: string;
  details?: Record<string, string[]>;
  code?: string;
  decline_code?: string | null;
}

/** seed-api.md's error shapes, exactly, by status. */
function expectProblemShape(status: number, json: unknown): void {
  const shapes: Record<number, z.ZodType> = {
    400: z.strictObject({
      error: z.literal('Invalid input'),
      details: z.record(z.string(), z.array(z.string()).min(1)),
    }),
    402: z.strictObject({ error: z.string(), code: z.string(), decline_code: z.string().nullable() }),
    409: z.strictObject({ error: z.string() }),
  };
  const shape = shapes[status] ?? z.strictObject({ detail: z.string().min(1) });
  expect(shape.safeParse(json).error?.issues ?? [], `a ${status} answer`).toEqual([]);
}

const TOKEN_SECRET = 'api-errors-test-secret-0123456789abcdef';
const CARD_NUMBER = '4242424242424242';

/**
 * Every refusal of the marketplace API in the contract's shapes (seed-api.md, Conventions): 401
 * with WWW-Authenticate, 403 for the wrong role, 400 naming each field (R10's guards included), 404
 * for other people's records (R50), 409 naming the state and the action, 402 for a decline (R15),
 * and the refresh-token chain (rotation, reuse detection, sign-out).
 */
describe('marketplace API refusals', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'linguaflex-api-errors-'));
  const logLines: string[] = [];
  let host: RunningHost;

  beforeAll(async () => {
    host = await startHost({
      config: {
        dataDir,
        database: { kind: 'pglite', dataDir: path.join(dataDir, 'db') },
        firstAdmin: { email: 'admin@ops.test', password: 'admin password 1' },
      },
      logger: silentLogger,
      // Request logs at the most talkative level, kept to check that card data never reaches them.
      pino: pino({ level: 'trace' }, { write: (line: string) => logLines.push(line) }),
      demoData: 'skip',
      staticDir: path.join(dataDir, 'no-renderer'),
      // Many sign-ins from one address in this file; the limits themselves are tested in api-limits.
      env: { LINGUAFLEX_TOKEN_SECRET: TOKEN_SECRET, LINGUAFLEX_RATE_LIMIT_FACTOR: '50' },
    });
  });
  afterAll(async () => {
    await host.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /**
   * One request. A success is checked against the answer's schema (the one the document shows),
   * an error against the contract's shape for its status.
   */
  async function call<S extends z.ZodType = z.ZodUnknown>(
    method: string,
    url: string,
    options: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string>; schema?: S } = {},
  ) {
    const body = options.raw ?? (options.body !== undefined ? JSON.stringify(options.body) : undefined);
    const response = await fetch(`${host.url}${url}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      ...(body !== undefined ? { body } : {}),
    });
    const text = await response.text();
    const json: unknown = text ? JSON.parse(text) : null;
    if (response.ok && options.schema) expect(options.schema.safeParse(json).error?.issues ?? []).toEqual([]);
    if (!response.ok) expectProblemShape(response.status, json);
    return { status: response.status, headers: response.headers, body: json as z.output<S> & Problem };
  }

  let sequence = 0;
  async function signUp(role: 'STUDENT' | 'TEACHER', email = `${role.toLowerCase()}-${(sequence += 1)}@api.test`) {
    const registered = await call('POST', '/api/register/', {
      body: { email, password: 'long enough 1', full_name: `${role} ${sequence}`, role },
    });
    expect(registered.status).toBe(201);
    const login = await call('POST', '/api/login/', {
      schema: tokensSchema,
      body: { email, password: 'long enough 1' },
    });
    expect(login.status).toBe(200);
    return {
      id: login.body.user.id,
      email,
      token: login.body.access_token,
      refreshToken: login.body.refresh_token,
    };
  }

  const startIn = (hours: number) => {
    const start = new Date(Date.now() + hours * 3600_000);
    start.setUTCMinutes(0, 0, 0);
    return start.toISOString();
  };
  let slot = 0;
  /** A free slot of the teacher's calendar, days ahead (so bookings never overlap by accident). */
  const nextSlot = () => startIn(48 + (slot += 5));

  let teacher: Awaited<ReturnType<typeof signUp>>;
  let student: Awaited<ReturnType<typeof signUp>>;
  let gigId: number;

  async function newGig(token: string, rate = 5000) {
    const gig = await call('POST', '/api/gigs/', {
      schema: gigSchema,
      token,
      body: { title: 'Italian', language: 'it', hourly_rate_cents: rate, currency: 'USD' },
    });
    expect(gig.status).toBe(201);
    return gig.body.id;
  }
  async function book(token = student.token, gig = gigId, extra: Record<string, unknown> = {}) {
    const created = await call('POST', '/api/bookings/bookings/', {
      schema: bookingSchema,
      token,
      body: { gig, start_time: nextSlot(), duration_hours: 1, ...extra },
    });
    expect(created.status).toBe(201);
    return created.body;
  }
  const confirm = (id: number, token = teacher.token) =>
    call('POST', `/api/bookings/bookings/${id}/confirm/`, { schema: bookingActionSchema, token });

  beforeAll(async () => {
    teacher = await signUp('TEACHER');
    student = await signUp('STUDENT');
    gigId = await newGig(teacher.token);
  });

  describe('authentication and roles', () => {
    const concrete = (url: string) => url.replace('{id}', '1');

    it('every endpoint but register, login, refresh and the document answers 401 with WWW-Authenticate without a valid token', async () => {
      const routes = apiRoutes(host.container.services);
      const open = routes.filter((route) => route.access === 'public').map((route) => route.path);
      expect(open.sort()).toEqual(['/api/login/', '/api/openapi.json', '/api/register/', '/api/token/refresh/']);
      const expired = await new SignJWT({ sid: 'gone', role: 'STUDENT' })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(String(student.id))
        .setIssuer('linguaflex-ops')
        .setAudience('linguaflex-marketplace')
        .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
        .setExpirationTime(Math.floor(Date.now() / 1000) - 1800)
        .sign(new TextEncoder().encode(TOKEN_SECRET));
      for (const route of routes.filter((candidate) => candidate.access !== 'public')) {
        const body = route.method === 'GET' ? undefined : {};
        const missing = await call(route.method, concrete(route.path), { body });
        expect(missing.status, `${route.method} ${route.path}`).toBe(401);
        expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="LinguaFlex"');
        expect(missing.body.detail).toMatch(/Authorization: Bearer/);
        for (const [token, detail] of [
          ['not-a-jwt', /invalid/],
          [expired, /expired/],
        ] as const) {
          const refused = await call(route.method, concrete(route.path), { body, token });
          expect(refused.status, `${route.method} ${route.path}`).toBe(401);
          expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="LinguaFlex", error="invalid_token"');
          expect(refused.body.detail).toMatch(detail);
        }
        const wrongScheme = await call(route.method, concrete(route.path), {
          body,
          headers: { Authorization: `Token ${student.token}` },
        });
        expect(wrongScheme.status).toBe(401);
      }
    });

    it('the wrong role is 403 naming the role needed, before anything is validated or done', async () => {
      const routes = apiRoutes(host.container.services);
      for (const route of routes.filter(
        (candidate) => candidate.access === 'student' || candidate.access === 'teacher',
      )) {
        const token = route.access === 'student' ? teacher.token : student.token;
        const answer = await call(route.method, concrete(route.path), {
          token,
          ...(route.method === 'GET' ? {} : { body: {} }),
        });
        expect(answer.status, `${route.method} ${route.path}`).toBe(403);
        expect(answer.body.detail).toMatch(
          route.access === 'student'
            ? /this is for students; you are signed in as a teacher/
            : /this is for teachers; you are signed in as a student/,
        );
      }
    });

    it('a staff console token is refused on /api (401), and a marketplace access token on /trpc (401)', async () => {
      const staff = await createTRPCClient<AppRouter>({
        links: [httpBatchLink({ url: `${host.url}/trpc`, transformer: superjson })],
      }).auth.login.mutate({ email: 'admin@ops.test', password: 'admin password 1' });
      const onApi = await call('GET', '/api/bookings/bookings/', { token: staff.token });
      expect(onApi.status).toBe(401);
      expect(onApi.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const onTrpc = await fetch(`${host.url}/trpc/bookings.list`, {
        headers: { authorization: `Bearer ${student.token}` },
      });
      expect(onTrpc.status).toBe(401);
      // The same staff token works where it belongs.
      const ok = await fetch(`${host.url}/trpc/auth.me`, { headers: { authorization: `Bearer ${staff.token}` } });
      expect(ok.status).toBe(200);
    });
  });

  describe('invalid input: 400 naming every field', () => {
    const create = (body: unknown, token = student.token) => call('POST', '/api/bookings/bookings/', { token, body });

    it('start_time must be an ISO 8601 string with an offset: true, null, [1], 0 and offset-less are refused, never read as 1970', async () => {
      for (const start_time of [
        true,
        null,
        [1],
        0,
        1_700_000_000_000,
        'tomorrow',
        '2026-12-01T10:00:00',
        '2026-12-01',
      ]) {
        const answer = await create({ gig: gigId, start_time, duration_hours: 1 });
        expect(answer.status, JSON.stringify(start_time)).toBe(400);
        expect(answer.body.error).toBe('Invalid input');
        expect(Object.keys(answer.body.details ?? {})).toEqual(['start_time']);
      }
      const offsetLess = await create({ gig: gigId, start_time: '2026-12-01T10:00:00', duration_hours: 1 });
      expect(offsetLess.body.details?.['start_time']).toEqual([expect.stringMatching(/needs an offset/)]);
    });

    it('every bad field is named at once; numbers are not read from text nor text from numbers', async () => {
      const answer = await create({ gig: '1', start_time: true, duration_hours: 'x', notes: 5, teacher: 'me' });
      expect(answer.status).toBe(400);
      expect(Object.keys(answer.body.details ?? {}).sort()).toEqual(
        ['duration_hours', 'gig', 'notes', 'start_time', 'teacher'].sort(),
      );
      expect((await create([1])).body.details).toEqual({ body: [expect.any(String)] });
      expect(Object.keys((await create({})).body.details ?? {}).sort()).toEqual(
        ['duration_hours', 'gig', 'start_time'].sort(),
      );
    });

    it('durations: whole minutes only, exactly ("0.1" is 6 minutes); duration_hours or end_time, agreeing when both', async () => {
      const start = nextSlot();
      const after = (minutes: number) => new Date(Date.parse(start) + minutes * 60_000).toISOString();
      const cases: [Record<string, unknown>, Record<string, RegExp>][] = [
        [{ duration_hours: 1 / 3 }, { duration_hours: /whole number of minutes/ }],
        [{ duration_hours: '0.3333' }, { duration_hours: /whole number of minutes/ }],
        [{ duration_hours: '-1' }, { duration_hours: /number of hours/ }],
        [{ duration_hours: true }, { duration_hours: /number of hours/ }],
        [{}, { duration_hours: /duration_hours or end_time/ }],
        [{ end_time: start }, { end_time: /after start_time/ }],
        [
          { end_time: after(60), duration_hours: '1.5' },
          { duration_hours: /disagree/, end_time: /disagree/ },
        ],
        // R10's duration guard, on the field the client used: 6 minutes, 20 minutes, 5 hours.
        [{ duration_hours: '0.1' }, { duration_hours: /15–240 minutes in steps of 15, got 6/ }],
        [{ end_time: after(20) }, { end_time: /got 20/ }],
        [{ duration_hours: 5 }, { duration_hours: /got 300/ }],
      ];
      for (const [extra, fields] of cases) {
        const answer = await create({ gig: gigId, start_time: start, ...extra });
        expect(answer.status, JSON.stringify(extra)).toBe(400);
        expect(Object.keys(answer.body.details ?? {}).sort(), JSON.stringify(extra)).toEqual(
          Object.keys(fields).sort(),
        );
        for (const [field, pattern] of Object.entries(fields))
          expect(answer.body.details?.[field]?.join(' ')).toMatch(pattern);
      }
      // Both given and agreeing, with an offset other than Z: accepted as the same instant.
      const local = new Date(Date.parse(start) + 3600_000).toISOString().replace('.000Z', '+00:00');
      const agreed = await create({ gig: gigId, start_time: local, end_time: after(60 + 45), duration_hours: '0.75' });
      expect(agreed.status).toBe(201);
      expect((agreed.body as unknown as Booking).duration_hours).toBe('0.75');
    });

    it('R10’s guards refuse with 400 naming the field: start window, overlap, inactive gig, the teacher’s own gig', async () => {
      for (const name of creationGuardNames()) expect(CREATION_GUARD_FIELDS, name).toHaveProperty([name]);
      expect(BOOKING_TRANSITIONS.some((row) => row.action === 'create')).toBe(true);

      const soon = await create({
        gig: gigId,
        start_time: new Date(Date.now() + 30 * 60_000).toISOString(),
        duration_hours: 1,
      });
      expect(soon.status).toBe(400);
      expect(soon.body.details).toEqual({ start_time: ['A session must start at least 1 hour from now'] });
      const far = await create({ gig: gigId, start_time: startIn(24 * 181), duration_hours: 1 });
      expect(far.body.details).toEqual({ start_time: ['A session cannot start more than 180 days from now'] });

      const taken = await book();
      const overlap = await create({ gig: gigId, start_time: taken.start_time, duration_hours: '0.5' });
      expect(overlap.status).toBe(400);
      expect(overlap.body.details?.['start_time']?.[0]).toMatch(/already has a pending or confirmed booking/);

      const retired = await newGig(teacher.token);
      await host.container.db.prisma.gig.update({ where: { id: retired }, data: { active: false } });
      const inactive = await create({ gig: retired, start_time: nextSlot(), duration_hours: 1 });
      expect(inactive.body.details).toEqual({ gig: ['This gig is not active and cannot be booked'] });

      // A student who is also (by email) the teacher of a gig cannot book it.
      const twin = await signUp('STUDENT');
      const s = await buildScenario(host.container, {});
      const twinTeacher = await host.container.services.people.create(s.admin, {
        kind: 'teacher',
        email: twin.email,
        name: 'Twin',
      });
      const twinGig = await host.container.services.people.createGig(s.admin, {
        teacherId: twinTeacher.id,
        title: 'Self-study',
        language: 'it',
        hourlyRateMinor: 1000,
        currency: 'USD',
      });
      const own = await create({ gig: twinGig.id, start_time: nextSlot(), duration_hours: 1 }, twin.token);
      expect(own.body.details).toEqual({ gig: ['A teacher cannot book their own gig'] });

      expect((await create({ gig: 999_999, start_time: nextSlot(), duration_hours: 1 })).body.details).toEqual({
        gig: ['Gig 999999 does not exist'],
      });
      const otherTeacher = await create({
        gig: gigId,
        teacher: teacher.id + 1000,
        start_time: nextSlot(),
        duration_hours: 1,
      });
      expect(Object.keys(otherTeacher.body.details ?? {})).toEqual(['teacher']);
    });

    it('the other endpoints name their fields too; ids, limits and statuses in the path and query are checked', async () => {
      const taken = await call('POST', '/api/register/', {
        body: { email: student.email.toUpperCase(), password: 'long enough 1', full_name: 'Again', role: 'STUDENT' },
      });
      expect(taken.body.details).toEqual({ email: ['is already registered'] });
      const register = await call('POST', '/api/register/', {
        body: {
          email: 'x',
          password: 5,
          full_name: '',
          role: 'ADMIN',
          timezone: 'Mars/Base',
          years_of_experience: 1.5,
        },
      });
      expect(Object.keys(register.body.details ?? {}).sort()).toEqual(
        ['email', 'full_name', 'password', 'role', 'timezone', 'years_of_experience'].sort(),
      );
      const gig = await call('POST', '/api/gigs/', {
        token: teacher.token,
        body: { title: ' ', language: 7, hourly_rate_cents: 12.5, currency: 'XYZ' },
      });
      expect(Object.keys(gig.body.details ?? {}).sort()).toEqual([
        'currency',
        'hourly_rate_cents',
        'language',
        'title',
      ]);
      const booking = await book();
      const decline = await call('POST', `/api/bookings/bookings/${booking.id}/decline/`, {
        token: teacher.token,
        body: {},
      });
      expect(decline.body.details).toEqual({ reason: ['is required'] });
      const blank = await call('POST', `/api/bookings/bookings/${booking.id}/decline/`, {
        token: teacher.token,
        body: { reason: '   ' },
      });
      expect(blank.body.details).toEqual({ reason: ['is required'] });
      const intent = await call('POST', '/api/payments/create-payment-intent/', {
        token: student.token,
        body: { session_booking_id: String(booking.id), payment_method_id: 'card_123' },
      });
      expect(Object.keys(intent.body.details ?? {}).sort()).toEqual(['payment_method_id', 'session_booking_id']);
      const pay = await call('POST', '/api/payments/confirm-payment/', {
        token: student.token,
        body: { payment_intent_id: 42 },
      });
      expect(Object.keys(pay.body.details ?? {})).toEqual(['payment_intent_id']);
      const unknownCard = await call('POST', '/api/payments/add-payment-method/', {
        token: student.token,
        body: { payment_method_id: 'pm_does_not_exist' },
      });
      expect(unknownCard.status).toBe(400);
      expect(Object.keys(unknownCard.body.details ?? {})).toEqual(['payment_method_id']);

      for (const url of ['/api/bookings/bookings/abc/', '/api/bookings/bookings/0/', '/api/gigs/99999999999/']) {
        const answer = await call('GET', url, { token: student.token });
        expect(answer.status, url).toBe(400);
        expect(Object.keys(answer.body.details ?? {})).toEqual(['id']);
      }
      const query = await call('GET', '/api/bookings/bookings/?limit=0&before=x&status=LOST&payment_status=paid', {
        token: student.token,
      });
      expect(Object.keys(query.body.details ?? {}).sort()).toEqual(['before', 'limit', 'payment_status', 'status']);
      const repeated = await call('GET', '/api/gigs/?language=fr&language=de', { token: student.token });
      expect(repeated.body.details).toHaveProperty('language');
      expect((await call('GET', '/api/bookings/bookings/999999/', { token: student.token })).status).toBe(404);
    });

    it('unreadable bodies are 400 in the API’s shape; an empty JSON body is {} where nothing is required', async () => {
      const booking = await book();
      const url = `/api/bookings/bookings/${booking.id}/confirm/`;
      for (const raw of ['{', '{"a":', 'nul', '{"__proto__":{"x":1}}']) {
        const answer = await call('POST', url, { token: teacher.token, raw });
        expect(answer.status, raw).toBe(400);
        expect(answer.body).toEqual({ error: 'Invalid input', details: { body: ['is not valid JSON'] } });
      }
      const form = await call('POST', url, {
        token: teacher.token,
        raw: 'reason=x',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
      expect(form.status).toBe(400);
      expect(form.body.details?.['body']?.[0]).toMatch(/Content-Type: application\/json/);
      const notObject = await call('POST', url, { token: teacher.token, raw: '[1]' });
      expect(notObject.body.details).toEqual({ body: [expect.any(String)] });
      const empty = await call('POST', url, { schema: bookingActionSchema, token: teacher.token, raw: '' });
      expect(empty.status).toBe(200);
      expect(empty.body.booking.status).toBe('CONFIRMED');
      // A required body sent empty names its fields.
      const emptyDecline = await call('POST', `/api/bookings/bookings/${(await book()).id}/decline/`, {
        token: teacher.token,
        raw: '',
      });
      expect(Object.keys(emptyDecline.body.details ?? {})).toEqual(['reason']);
    });

    it('card data is refused with 400 before authentication or anything else, and never logged (R20)', async () => {
      const before = logLines.length;
      const card = {
        number: CARD_NUMBER,
        cvc: '123',
        exp_month: 12,
        exp_year: 2030,
        payment_method_id: 'pm_card_visa',
      };
      for (const token of [undefined, 'garbage', student.token, teacher.token]) {
        const answer = await call('POST', '/api/payments/add-payment-method/', {
          ...(token ? { token } : {}),
          body: card,
        });
        expect(answer.status).toBe(400);
        expect(Object.keys(answer.body.details ?? {}).sort()).toEqual(['cvc', 'exp_month', 'exp_year', 'number']);
        expect(JSON.stringify(answer.body)).not.toContain(CARD_NUMBER);
      }
      const nested = await call('POST', '/api/payments/add-payment-method/', {
        token: student.token,
        body: { card: { number: CARD_NUMBER }, payment_method_id: 'pm_card_visa' },
      });
      expect(Object.keys(nested.body.details ?? {})).toEqual(['card']);
      expect(logLines.length).toBeGreaterThan(before); // the requests were logged…
      expect(logLines.join('\n')).not.toContain(CARD_NUMBER); // …without the card
      const methods = await call('GET', '/api/payments/payment-methods/', {
        schema: z.array(z.unknown()),
        token: student.token,
      });
      expect(methods.body).toEqual([]);
    });
  });

  describe('state and ownership', () => {
    it('actions not open in the booking’s state are 409 naming the state and the action', async () => {
      const booking = await book();
      expect((await confirm(booking.id)).status).toBe(200);
      const again = await confirm(booking.id);
      expect(again.status).toBe(409);
      expect(again.body).toEqual({
        error: `Booking ${booking.id} is CONFIRMED; only PENDING bookings can be confirmed`,
      });
      const decline = await call('POST', `/api/bookings/bookings/${booking.id}/decline/`, {
        token: teacher.token,
        body: { reason: 'Too late' },
      });
      expect(decline.status).toBe(409);
      expect(decline.body.error).toMatch(/is CONFIRMED; only PENDING bookings can be declined/);

      const pending = await book();
      const early = await call('POST', '/api/payments/create-payment-intent/', {
        token: student.token,
        body: { session_booking_id: pending.id },
      });
      expect(early.status).toBe(409);
      expect(early.body.error).toMatch(/is PENDING; only CONFIRMED .* can be sent to payment/);

      const cancelled = await call('DELETE', `/api/bookings/bookings/${pending.id}`, {
        schema: bookingActionSchema,
        token: student.token,
      });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.booking).toMatchObject({
        status: 'CANCELLED',
        cancellation_reason: 'Cancelled by the student',
      });
      const twice = await call('POST', `/api/bookings/bookings/${pending.id}/cancel/`, { token: student.token });
      expect(twice.status).toBe(409);
      expect(twice.body.error).toMatch(/is CANCELLED; only .* can be cancelled/);
    });

    it('cancelling: the reason from the body or ?reason=, the booking kept with its history; the same path without the slash', async () => {
      const first = await book();
      const byQuery = await call(
        'DELETE',
        `/api/bookings/bookings/${first.id}/?reason=${encodeURIComponent('Found another slot')}`,
        { schema: bookingActionSchema, token: student.token },
      );
      expect(byQuery.body.booking.cancellation_reason).toBe('Found another slot');
      const second = await book();
      expect((await confirm(second.id)).status).toBe(200);
      const byBody = await call('POST', `/api/bookings/bookings/${second.id}/cancel`, {
        schema: bookingActionSchema,
        token: student.token,
        body: { reason: 'Ill' },
      });
      expect(byBody.status).toBe(200);
      expect(byBody.body.booking).toMatchObject({
        status: 'CANCELLED',
        payment_status: 'UNPAID',
        cancellation_reason: 'Ill',
      });
      expect(byBody.body.booking.next_step).toMatch(/Cancelled/);
      const kept = await call('GET', `/api/bookings/bookings/${second.id}`, {
        schema: bookingSchema,
        token: student.token,
      });
      expect(kept.status).toBe(200);
      expect(kept.body.status).toBe('CANCELLED');
      const withSlash = await call('GET', '/api/bookings/bookings/?status=CANCELLED', {
        schema: z.array(bookingSchema),
        token: student.token,
      });
      const without = await call('GET', '/api/bookings/bookings?status=CANCELLED', {
        schema: z.array(bookingSchema),
        token: student.token,
      });
      expect(without.body).toEqual(withSlash.body);
      expect(withSlash.body.map((entry) => entry.id)).toEqual(expect.arrayContaining([first.id, second.id]));
    });

    it('a declined card is 402 with code and decline_code; the booking stays CONFIRMED / FAILED and a retry can pay (R15)', async () => {
      const booking = await book();
      await confirm(booking.id);
      const refused = await call('POST', '/api/payments/add-payment-method/', {
        token: student.token,
        body: { payment_method_id: 'pm_card_chargeDeclined' },
      });
      expect(refused.status).toBe(402);
      expect(refused.body).toMatchObject({ code: 'card_declined', decline_code: 'generic_decline' });
      // A card error without a decline code (expired) is a decline too, not an outage.
      const expired = await call('POST', '/api/payments/add-payment-method/', {
        token: student.token,
        body: { payment_method_id: 'pm_card_chargeDeclinedExpiredCard' },
      });
      expect(expired.status).toBe(402);
      expect(expired.body).toMatchObject({ code: 'expired_card', decline_code: null });
      const failing = await call('POST', '/api/payments/add-payment-method/', {
        schema: methodAddedSchema,
        token: student.token,
        body: { payment_method_id: 'pm_card_chargeCustomerFail' },
      });
      expect(failing.status).toBe(200);
      const intent = await call('POST', '/api/payments/create-payment-intent/', {
        schema: intentSchema,
        token: student.token,
        body: { session_booking_id: booking.id, payment_method_id: failing.body.payment_method_id },
      });
      expect(intent.status).toBe(201);
      const declined = await call('POST', '/api/payments/confirm-payment/', {
        token: student.token,
        body: { payment_intent_id: intent.body.payment_intent_id },
      });
      expect(declined.status).toBe(402);
      expect(declined.body).toEqual({
        error: 'Your card was declined.',
        code: 'card_declined',
        decline_code: expect.any(String) as string,
      });
      const after = await call('GET', `/api/bookings/bookings/${booking.id}/`, {
        schema: bookingSchema,
        token: student.token,
      });
      expect(after.body).toMatchObject({ status: 'CONFIRMED', payment_status: 'FAILED', zoom_join_url: null });
      expect(after.body.next_step).toMatch(/retry/);
      // Cancelling a paid booking is support's (R18); the student retries with another card first.
      const visa = await call('POST', '/api/payments/add-payment-method/', {
        schema: methodAddedSchema,
        token: student.token,
        body: { payment_method_id: 'pm_card_visa' },
      });
      const retried = await call('POST', '/api/payments/confirm-payment/', {
        token: student.token,
        body: { payment_intent_id: intent.body.payment_intent_id, payment_method_id: visa.body.payment_method_id },
      });
      expect(retried).toMatchObject({ status: 200, body: { status: 'PAID' } });
      const paidCancel = await call('DELETE', `/api/bookings/bookings/${booking.id}/`, { token: student.token });
      expect(paidCancel.status).toBe(409);
      expect(paidCancel.body.error).toMatch(/CONFIRMED \(payment PAID\).*support, with a full refund \(R18\)/);
      const methods = await call('GET', '/api/payments/payment-methods/', {
        schema: z.array(paymentMethodSchema),
        token: student.token,
      });
      expect(
        methods.body.filter((method) => method.is_default).map((method) => method.stripe_payment_method_id),
      ).toEqual([visa.body.payment_method_id]);
      expect(methods.body[0]?.stripe_payment_method_id).toBe(visa.body.payment_method_id);
    });

    it('a card that asks for 3-D Secure: 200 REQUIRES_ACTION with the client secret; the booking waits, CONFIRMED / PENDING', async () => {
      const booking = await book();
      await confirm(booking.id);
      const card = await call('POST', '/api/payments/add-payment-method/', {
        schema: methodAddedSchema,
        token: student.token,
        body: { payment_method_id: 'pm_card_authenticationRequired' },
      });
      const intent = await call('POST', '/api/payments/create-payment-intent/', {
        schema: intentSchema,
        token: student.token,
        body: { session_booking_id: booking.id, payment_method_id: card.body.payment_method_id },
      });
      const answer = await call('POST', '/api/payments/confirm-payment/', {
        schema: confirmedSchema,
        token: student.token,
        body: { payment_intent_id: intent.body.payment_intent_id },
      });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        success: true,
        status: 'REQUIRES_ACTION',
        requires_action: true,
        client_secret: intent.body.client_secret,
        payment_id: intent.body.payment_id,
        booking_id: booking.id,
      });
      const after = await call('GET', `/api/bookings/bookings/${booking.id}/`, {
        schema: bookingSchema,
        token: student.token,
      });
      expect(after.body).toMatchObject({ status: 'CONFIRMED', payment_status: 'PENDING' });
      expect(after.body.next_step).toMatch(/3-D Secure/);
    });

    it('another person’s booking or payment is answered as absent (404), whatever the action (R50)', async () => {
      const otherStudent = await signUp('STUDENT');
      const otherTeacher = await signUp('TEACHER');
      const booking = await book();
      await confirm(booking.id);
      const card = await call('POST', '/api/payments/add-payment-method/', {
        schema: methodAddedSchema,
        token: student.token,
        body: { payment_method_id: 'pm_card_visa' },
      });
      const intent = await call('POST', '/api/payments/create-payment-intent/', {
        schema: intentSchema,
        token: student.token,
        body: { session_booking_id: booking.id, payment_method_id: card.body.payment_method_id },
      });
      const pending = await book();

      const refusals = [
        await call('GET', `/api/bookings/bookings/${booking.id}/`, { token: otherStudent.token }),
        await call('GET', `/api/bookings/bookings/${booking.id}/`, { token: otherTeacher.token }),
        await call('DELETE', `/api/bookings/bookings/${pending.id}/`, { token: otherStudent.token }),
        await call('POST', `/api/bookings/bookings/${pending.id}/cancel/`, { token: otherStudent.token }),
        await confirm(pending.id, otherTeacher.token),
        await call('POST', `/api/bookings/bookings/${pending.id}/decline/`, {
          token: otherTeacher.token,
          body: { reason: 'Not mine' },
        }),
        await call('GET', `/api/payments/payments/${intent.body.payment_id}/`, { token: otherStudent.token }),
        await call('GET', `/api/payments/payments/${intent.body.payment_id}/`, { token: otherTeacher.token }),
        await call('POST', '/api/payments/create-payment-intent/', {
          token: otherStudent.token,
          body: { session_booking_id: booking.id },
        }),
        await call('POST', '/api/payments/confirm-payment/', {
          token: otherStudent.token,
          body: { payment_intent_id: intent.body.payment_intent_id },
        }),
      ];
      for (const refusal of refusals) {
        expect(refusal.status).toBe(404);
        expect(refusal.body.detail).toMatch(/does not exist|No payment here/);
      }
      expect(
        (await call('GET', '/api/bookings/bookings/', { schema: z.array(z.unknown()), token: otherStudent.token }))
          .body,
      ).toEqual([]);
      expect(
        (await call('GET', '/api/payments/payments/', { schema: z.array(z.unknown()), token: otherTeacher.token }))
          .body,
      ).toEqual([]);
      const still = await call('GET', `/api/bookings/bookings/${pending.id}/`, {
        schema: bookingSchema,
        token: student.token,
      });
      expect(still.body.status).toBe('PENDING');
    });
  });

  describe('tokens', () => {
    it('refresh tokens rotate: each works once; a used one again ends the whole chain (reuse detection)', async () => {
      const me = await signUp('STUDENT');
      const refresh = (token: string) =>
        call('POST', '/api/token/refresh/', { schema: refreshedSchema, body: { refresh_token: token } });
      const second = await refresh(me.refreshToken);
      expect(second.status).toBe(200);
      expect(Object.keys(second.body).sort()).toEqual(['access_token', 'refresh_token']);
      expect(second.body.refresh_token).not.toBe(me.refreshToken);
      const third = await refresh(second.body.refresh_token);
      expect(third.status).toBe(200);
      expect((await call('GET', '/api/gigs/', { token: third.body.access_token })).status).toBe(200);

      const reused = await refresh(me.refreshToken);
      expect(reused.status).toBe(401);
      expect(reused.body).toEqual({ detail: expect.stringMatching(/already used/) as string });
      // The newer tokens of that chain stop working too, access tokens included, on every request.
      expect((await refresh(third.body.refresh_token)).status).toBe(401);
      for (const token of [me.token, second.body.access_token, third.body.access_token]) {
        const answer = await call('GET', '/api/gigs/', { token });
        expect(answer.status).toBe(401);
        expect(answer.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
      }
      // Another sign-in of the same person is unaffected.
      const other = await call('POST', '/api/login/', {
        schema: tokensSchema,
        body: { email: me.email, password: 'long enough 1' },
      });
      expect((await call('GET', '/api/gigs/', { token: other.body.access_token })).status).toBe(200);
      expect((await refresh('not-a-token')).status).toBe(401);
    });

    it('logout revokes the chain: 204, then the refresh token and the access token are refused', async () => {
      const me = await signUp('TEACHER');
      const out = await call('POST', '/api/logout/', { token: me.token, body: { refresh_token: me.refreshToken } });
      expect(out.status).toBe(204);
      expect(out.body).toBeNull();
      expect((await call('POST', '/api/token/refresh/', { body: { refresh_token: me.refreshToken } })).status).toBe(
        401,
      );
      const after = await call('GET', '/api/bookings/bookings/', { token: me.token });
      expect(after.status).toBe(401);
      expect(after.body.detail).toMatch(/ended/);
    });

    it('a wrong email and a wrong password get the same 401', async () => {
      const wrongPassword = await call('POST', '/api/login/', {
        body: { email: student.email, password: 'nope nope' },
      });
      const unknownEmail = await call('POST', '/api/login/', {
        body: { email: 'nobody@api.test', password: 'nope nope' },
      });
      expect(wrongPassword.status).toBe(401);
      expect(unknownEmail.status).toBe(401);
      expect(wrongPassword.body).toEqual(unknownEmail.body);
    });
  });
});
