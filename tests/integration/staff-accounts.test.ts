import { TRPCError } from '@trpc/server';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiContext } from '../../src/main/api/context';
import { createCaller } from '../../src/main/api/root';
import type { Container } from '../../src/main/container';
import { fixedClock } from '../../src/main/domain/clock';
import { createRateLimits } from '../../src/main/db/rate-limits';
import { startHost, type RunningHost } from '../../src/main/host';
import { silentLogger } from '../../src/main/log';
import type { DomainEvent } from '../../src/main/services/events';
import { hashPassword } from '../../src/main/services/passwords';
import { anonymousCaller, signedInCaller, STAFF_PASSWORD } from '../support/callers';
import { DB_KINDS, openTestContainer } from '../support/test-db';

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string; details: unknown }> {
  try {
    await promise;
  } catch (error) {
    const cause = error instanceof TRPCError ? (error.cause as { code?: string; details?: unknown } | undefined) : null;
    return {
      code: cause?.code ?? (error as { code: string }).code,
      message: (error as Error).message,
      details: cause?.details ?? (error as { details?: unknown }).details,
    };
  }
  throw new Error('expected a refusal');
}

/** Issue 10, point 3: sign-in throttling counted per call, over one batched HTTP request. */
describe('staff sign-in throttling over HTTP', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'linguaflex-throttle-'));
  const ADMIN = { email: 'admin@throttle.test', password: 'admin password 1' };
  let host: RunningHost;

  beforeAll(async () => {
    host = await startHost({
      config: { dataDir, database: { kind: 'pglite', dataDir: path.join(dataDir, 'db') }, firstAdmin: ADMIN },
      logger: silentLogger,
      demoData: 'skip',
      staticDir: path.join(dataDir, 'no-renderer'),
      env: {},
    });
  });
  afterAll(async () => {
    await host.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a batch of 200 sign-ins in one request (199 wrong guesses, then the right one) gets no token', async () => {
    const calls = [
      ...Array.from({ length: 199 }, (_, index) => ({ email: ADMIN.email, password: `wrong guess ${index}` })),
      ADMIN,
    ];
    const body = Object.fromEntries(calls.map((input, index) => [String(index), superjson.serialize(input)]));
    // One HTTP request carrying all 200 calls (tRPC's batch format).
    const response = await fetch(`${host.url}/trpc/${calls.map(() => 'auth.login').join(',')}?batch=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answers = (await response.json()) as {
      result?: { data: { json: { token?: string } } };
      error?: { json: { data: { code: string; domainCode: string; retryAfterSeconds?: number } } };
    }[];
    expect(answers).toHaveLength(200);
    // The batch's answer says when to try again (the longest wait of its refused calls).
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    const tokens = answers.filter((answer) => answer.result?.data.json.token);
    expect(tokens).toHaveLength(0);
    const codes = answers.map((answer) => answer.error?.json.data.code);
    // The account's allowance (5 calls), each a wrong password; every other call is refused unread.
    expect(codes.filter((code) => code === 'UNAUTHORIZED').length).toBeLessThanOrEqual(5);
    const limited = answers.filter((answer) => answer.error?.json.data.code === 'TOO_MANY_REQUESTS');
    expect(limited.length).toBeGreaterThanOrEqual(195);
    expect(answers.at(-1)?.error?.json.data).toMatchObject({ code: 'TOO_MANY_REQUESTS', domainCode: 'RATE_LIMITED' });
    for (const answer of limited)
      expect(answer.error?.json.data.retryAfterSeconds).toEqual(expect.any(Number) as number);
    // The account stays blocked for a while: the right password alone is refused now too.
    const again = await fetch(`${host.url}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(superjson.serialize(ADMIN)),
    });
    expect(again.status).toBe(429);
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);
    const refused = (await again.json()) as {
      error: { json: { message: string; data: { retryAfterSeconds: number } } };
    };
    // Over HTTP the address is counted too (20 calls), so it may be the address's block that answers first.
    expect(refused.error.json.message).toMatch(
      /Too many sign-in attempts (for this account|from this address); try again in \d+ s/,
    );
    expect(refused.error.json.data.retryAfterSeconds).toBeGreaterThan(0);
  });
});

describe('backoff of the sign-in limits', () => {
  let database: Awaited<ReturnType<typeof openTestContainer>>;
  beforeAll(async () => {
    database = await openTestContainer('pglite', fixedClock(new Date('2026-12-01T09:00:00Z')));
  });
  afterAll(async () => database.dispose());

  it('each new block of the same account within a day lasts twice as long (60 s, 120 s, 240 s …)', async () => {
    const limits = createRateLimits(database.container.db.pgShaped);
    const exhaust = async () => {
      for (let call = 0; call < 5; call += 1)
        expect(await limits.consume('staff-login.account', 'x@backoff.test')).toEqual({ allowed: true });
      return limits.consume('staff-login.account', 'x@backoff.test');
    };
    expect(await exhaust()).toEqual({ allowed: false, retryAfterSeconds: 60 });
    const during = await limits.consume('staff-login.account', 'x@backoff.test');
    expect(during).toMatchObject({ allowed: false });
    // The block ran out (as if a minute passed): the next exhaustion blocks for twice as long.
    await limits.reset('staff-login.account', 'x@backoff.test');
    expect(await exhaust()).toEqual({ allowed: false, retryAfterSeconds: 120 });
    await limits.reset('staff-login.account', 'x@backoff.test');
    expect(await exhaust()).toEqual({ allowed: false, retryAfterSeconds: 240 });
    // Another account is not affected.
    expect(await limits.consume('staff-login.account', 'y@backoff.test')).toEqual({ allowed: true });
  });
});

describe.each(DB_KINDS)('staff accounts (R34) on %s', (kind) => {
  const clock = fixedClock(new Date('2026-12-01T09:00:00Z'));
  let container: Container;
  let database: Awaited<ReturnType<typeof openTestContainer>>;
  const events: DomainEvent[] = [];

  beforeAll(async () => {
    database = await openTestContainer(kind, clock);
    container = database.container;
    container.events.subscribe((stamped) => events.push(stamped.event));
  });
  afterAll(async () => database.dispose());

  const callerWith = (token: string | null, address?: string) =>
    createCaller(apiContext(container, silentLogger, token, undefined, undefined, address));

  it('per address: many accounts guessed from one address are refused after 20 calls; IPC counts per account only', async () => {
    const from = callerWith(null, '203.0.113.7');
    const outcomes: string[] = [];
    for (let index = 0; index < 22; index += 1)
      outcomes.push(
        (await refusal(from.auth.login({ email: `nobody${index}@addr.test`, password: 'wrong password' }))).code,
      );
    expect(outcomes.slice(0, 20).every((code) => code === 'UNAUTHENTICATED')).toBe(true);
    expect(outcomes.slice(20)).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
    // Another address, and a caller without one (IPC), are not held back by that address.
    expect(
      (await refusal(callerWith(null, '198.51.100.2').auth.login({ email: 'a@addr.test', password: 'nope nope' })))
        .code,
    ).toBe('UNAUTHENTICATED');
    const { staff } = await signedInCaller(container, 'SUPPORT');
    const ok = await callerWith(null).auth.login({ email: staff.email, password: STAFF_PASSWORD });
    expect(ok.token).toEqual(expect.any(String) as string);
    // The blocked address is refused even with the right password (until the block ends).
    const { staff: other } = await signedInCaller(container, 'SUPPORT');
    const blocked = await refusal(
      callerWith(null, '203.0.113.7').auth.login({ email: other.email, password: STAFF_PASSWORD }),
    );
    expect(blocked.code).toBe('RATE_LIMITED');
  });

  it('per account: after 5 calls the account is refused whatever the password, until the block ends', async () => {
    const { staff } = await signedInCaller(container, 'FINANCE');
    for (let index = 0; index < 5; index += 1)
      expect(
        (await refusal(anonymousCaller(container).auth.login({ email: staff.email, password: 'not it at all' }))).code,
      ).toBe('UNAUTHENTICATED');
    const limited = await refusal(
      anonymousCaller(container).auth.login({ email: staff.email, password: STAFF_PASSWORD }),
    );
    expect(limited).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 60 } });
  });

  it('the last active admin cannot be disabled; two admins disabling each other at once leave one', async () => {
    // Every admin of this database but two new ones is disabled first.
    const ann = await signedInCaller(container, 'ADMIN', 'ann');
    const amy = await signedInCaller(container, 'ADMIN', 'amy');
    for (const account of await ann.caller.staff.list())
      if (account.role === 'ADMIN' && account.active && account.id !== ann.staff.id && account.id !== amy.staff.id)
        await ann.caller.staff.disable({ id: account.id });
    const both = await Promise.allSettled([
      ann.caller.staff.disable({ id: amy.staff.id }),
      amy.caller.staff.disable({ id: ann.staff.id }),
    ]);
    expect(both.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    const survivor = both[0].status === 'fulfilled' ? ann : amy;
    const active = (await container.services.staff.list(survivor.actor, {})).filter(
      (account) => account.role === 'ADMIN' && account.active,
    );
    expect(active.map((account) => account.id)).toEqual([survivor.staff.id]);
    const last = await refusal(survivor.caller.staff.disable({ id: survivor.staff.id }));
    expect(last.code).toBe('GUARD_FAILED');
    expect(last.message).toMatch(/is the last active admin and cannot be disabled/);
    expect(
      (await container.services.staff.list(survivor.actor, {})).find((a) => a.id === survivor.staff.id)?.active,
    ).toBe(true);
  });

  it('disabling an account ends its sessions at once (and tells every host); enabling lets it sign in again', async () => {
    const admin = await signedInCaller(container, 'ADMIN');
    const sue = await signedInCaller(container, 'SUPPORT');
    const second = await anonymousCaller(container).auth.login({ email: sue.staff.email, password: STAFF_PASSWORD });
    expect(await sue.caller.auth.me()).toMatchObject({ id: sue.staff.id });
    const sessions = await container.db.prisma.authSession.findMany({
      where: { subjectId: sue.staff.id, kind: 'STAFF' },
    });
    events.length = 0;
    const disabled = await admin.caller.staff.disable({ id: sue.staff.id, reason: 'left the company' });
    expect(disabled).toMatchObject({ active: false });
    expect(await refusal(sue.caller.bookings.counts())).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await refusal(callerWith(second.token).auth.me())).toMatchObject({ code: 'UNAUTHENTICATED' });
    const revoked = events.flatMap((event) => (event.type === 'sessions.revoked' ? event.sessionIds : []));
    expect(revoked.sort()).toEqual(sessions.map((session) => session.id).sort());
    expect(
      await refusal(anonymousCaller(container).auth.login({ email: sue.staff.email, password: STAFF_PASSWORD })),
    ).toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'This staff account is disabled',
    });
    await admin.caller.staff.enable({ id: sue.staff.id });
    // Enabling brings no ended session back; signing in again works.
    expect(await refusal(sue.caller.auth.me())).toMatchObject({ code: 'UNAUTHENTICATED' });
    const again = await anonymousCaller(container).auth.login({ email: sue.staff.email, password: STAFF_PASSWORD });
    expect(await callerWith(again.token).auth.me()).toMatchObject({ id: sue.staff.id, mustChangePassword: false });
    // Only admins manage staff (R30).
    expect(await refusal(callerWith(again.token).staff.disable({ id: admin.staff.id }))).toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('a generated first-admin password must be changed at the first sign-in; the server refuses everything else until then', async () => {
    const fresh = await openTestContainer(kind, clock);
    try {
      const c = fresh.container;
      expect(
        await c.services.staff.ensureFirstAdmin(
          { email: 'first@ops.test', password: 'Zq7-generated-Xk' },
          { generated: true },
        ),
      ).toBe('created');
      const anon = createCaller(apiContext(c, silentLogger, null));
      const session = await anon.auth.login({ email: 'first@ops.test', password: 'Zq7-generated-Xk' });
      expect(session.mustChangePassword).toBe(true);
      const other = await anon.auth.login({ email: 'first@ops.test', password: 'Zq7-generated-Xk' });
      const me = createCaller(apiContext(c, silentLogger, session.token));
      expect(await me.auth.me()).toMatchObject({ email: 'first@ops.test', mustChangePassword: true });
      // Each call made only when awaited, so none rejects unobserved.
      for (const attempt of [
        () => me.bookings.counts(),
        () => me.staff.list(),
        () => me.settings.get(),
        () => me.people.create({ kind: 'student', email: 's@x.test', name: 'S' }),
      ])
        expect(await refusal(attempt())).toMatchObject({
          code: 'FORBIDDEN',
          message: expect.stringMatching(/Choose a new password first/) as string,
          details: { passwordChangeRequired: true },
        });
      expect(
        await refusal(
          me.auth.changePassword({ currentPassword: 'not the one', newPassword: 'violet harbour lantern 9' }),
        ),
      ).toMatchObject({
        code: 'VALIDATION',
        message: 'The current password is not right',
      });
      expect(
        await refusal(me.auth.changePassword({ currentPassword: 'Zq7-generated-Xk', newPassword: 'password1234' })),
      ).toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/common passwords/) as string });
      const changed = await me.auth.changePassword({
        currentPassword: 'Zq7-generated-Xk',
        newPassword: 'violet harbour lantern 9',
      });
      expect(changed).toEqual({ ok: true, otherSessionsEnded: 1 });
      // This session goes on and may do everything now; the other sign-in ended; the old password is gone.
      expect(await me.bookings.counts()).toEqual(expect.any(Object) as object);
      expect(await me.auth.me()).toMatchObject({ mustChangePassword: false });
      expect(await refusal(createCaller(apiContext(c, silentLogger, other.token)).auth.me())).toMatchObject({
        code: 'UNAUTHENTICATED',
      });
      expect(await refusal(anon.auth.login({ email: 'first@ops.test', password: 'Zq7-generated-Xk' }))).toMatchObject({
        code: 'UNAUTHENTICATED',
      });
      expect(
        (await anon.auth.login({ email: 'first@ops.test', password: 'violet harbour lantern 9' })).mustChangePassword,
      ).toBe(false);
    } finally {
      await fresh.dispose();
    }
  });

  it('password policy: at least 12 characters, not blank, not common — and the refusal says why', async () => {
    const admin = await signedInCaller(container, 'ADMIN');
    const create = (password: string) =>
      refusal(
        admin.caller.staff.create({
          email: `p${password.length}@policy.test`,
          name: 'Pat Policy',
          role: 'SUPPORT',
          password,
        }),
      );
    expect(await create('            ')).toMatchObject({
      code: 'VALIDATION',
      message: 'The password is blank; choose one of at least 12 characters',
    });
    // Refused by the procedure's input schema (a 400 naming the field) before the service runs.
    expect(await create('short one')).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/password must be at least 12 characters/) as string,
    });
    expect(await create('123456789012')).toMatchObject({
      code: 'VALIDATION',
      message:
        'The password is too easy to guess: This is one of the most common passwords. Add a few more uncommon words.',
    });
    expect(await create('p15@policy.test')).toMatchObject({
      message: expect.stringMatching(/contains your name, your email address/) as string,
    });
    expect(await create('qwertyuiopasdf')).toMatchObject({
      message: expect.stringMatching(/similar to one of the most common passwords/) as string,
    });
    const { container: c } = database;
    expect(await c.services.staff.list(admin.actor, {})).not.toContainEqual(
      expect.objectContaining({ email: 'p12@policy.test' }),
    );
    const created = await admin.caller.staff.create({
      email: 'pat@policy.test',
      name: 'Pat Policy',
      role: 'SUPPORT',
      password: 'marble kettle horizon 4',
      mustChangePassword: true,
    });
    expect(created).toMatchObject({ role: 'SUPPORT', active: true, mustChangePassword: true });
  });

  it('an admin resets a password: the account’s sessions end and its owner must choose a new one', async () => {
    const admin = await signedInCaller(container, 'ADMIN');
    const fay = await signedInCaller(container, 'FINANCE');
    const reset = await admin.caller.staff.resetPassword({ id: fay.staff.id, password: 'copper meadow signal 77' });
    expect(reset).toMatchObject({ mustChangePassword: true });
    expect(await refusal(fay.caller.auth.me())).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(
      await refusal(anonymousCaller(container).auth.login({ email: fay.staff.email, password: STAFF_PASSWORD })),
    ).toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    const session = await anonymousCaller(container).auth.login({
      email: fay.staff.email,
      password: 'copper meadow signal 77',
    });
    expect(session.mustChangePassword).toBe(true);
    expect(await refusal(callerWith(session.token).payments.list({}))).toMatchObject({ code: 'FORBIDDEN' });
    await callerWith(session.token).auth.changePassword({
      currentPassword: 'copper meadow signal 77',
      newPassword: 'finch orchard tunnel 31',
    });
    expect(await callerWith(session.token).payments.list({})).toMatchObject({ items: expect.any(Array) as unknown[] });
  });

  it('sign out everywhere ends every session of the caller, this one included', async () => {
    const sam = await signedInCaller(container, 'SUPPORT');
    const other = await anonymousCaller(container).auth.login({ email: sam.staff.email, password: STAFF_PASSWORD });
    const done = await sam.caller.auth.logoutEverywhere();
    expect(done).toEqual({ ok: true, sessionsEnded: 2 });
    expect(await refusal(sam.caller.auth.me())).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await refusal(callerWith(other.token).auth.me())).toMatchObject({ code: 'UNAUTHENTICATED' });
    // A stray argument does not sign anyone out.
    const again = await anonymousCaller(container).auth.login({ email: sam.staff.email, password: STAFF_PASSWORD });
    expect(await refusal(callerWith(again.token).auth.logoutEverywhere({ id: 1 } as never))).toMatchObject({
      code: 'BAD_REQUEST',
    });
  });

  it('a password hash is never returned and the policy ignores existing passwords at sign-in', async () => {
    const admin = await signedInCaller(container, 'ADMIN');
    const list = await admin.caller.staff.list();
    for (const account of list) expect(Object.keys(account)).not.toContain('passwordHash');
    // An old, weak password set before the policy still signs in (the policy applies to new ones).
    const old = await container.uow.transaction(async (repos) =>
      repos.staff.create({
        email: 'old@policy.test',
        name: 'Old',
        role: 'SUPPORT',
        passwordHash: await hashPassword('password1234'),
        createdAt: clock.now(),
      }),
    );
    expect((await anonymousCaller(container).auth.login({ email: old.email, password: 'password1234' })).staff.id).toBe(
      old.id,
    );
  });
});
