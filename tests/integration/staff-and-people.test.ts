import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/main/container';
import { fixedClock } from '../../src/main/domain/clock';
import { buildScenario } from '../factories/scenario';
import { DB_KINDS, openTestContainer } from '../support/test-db';

describe.each(DB_KINDS)('staff and people on %s', (kind) => {
  const clock = fixedClock(new Date('2026-03-02T09:00:00Z'));
  let container: Container;
  let database: Awaited<ReturnType<typeof openTestContainer>>;
  beforeAll(async () => {
    database = await openTestContainer(kind, clock);
    container = database.container;
  });
  afterAll(async () => database.dispose());

  it('creates the first admin from configuration only while there is no staff, and they can sign in', async () => {
    expect(await container.services.staff.ensureFirstAdmin(null)).toBe('missing');
    expect(
      await container.services.staff.ensureFirstAdmin({ email: 'Boss@Example.com', password: 'a long enough secret' }),
    ).toBe('created');
    expect(
      await container.services.staff.ensureFirstAdmin({ email: 'other@example.com', password: 'a long enough secret' }),
    ).toBe('exists');
    const boss = await container.services.staff.authenticate({
      email: 'boss@example.com',
      password: 'a long enough secret',
    });
    expect(boss).toMatchObject({ email: 'boss@example.com', role: 'ADMIN' });
    expect(boss).not.toHaveProperty('passwordHash');
    await expect(
      container.services.staff.authenticate({ email: 'boss@example.com', password: 'wrong password' }),
    ).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'Wrong email or password',
    });
    await expect(
      container.services.staff.authenticate({ email: 'nobody@example.com', password: 'whatever it is' }),
    ).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'Wrong email or password',
    });
    const stored = await container.db.prisma.staff.findUniqueOrThrow({ where: { email: 'boss@example.com' } });
    expect(stored.passwordHash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(stored.passwordHash).not.toContain('a long enough secret');
  });

  it('only admins manage staff; duplicates and weak passwords are refused with what was wrong', async () => {
    const s = await buildScenario(container, { staff: { sue: 'SUPPORT' } });
    await expect(
      container.services.staff.create(s.staff.sue, {
        email: 'x@ops.test',
        name: 'X',
        role: 'ADMIN',
        password: 'long enough pw',
      }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const created = await container.services.staff.create(s.admin, {
      email: 'fin@ops.test',
      name: 'Fin',
      role: 'FINANCE',
      password: 'long enough pw',
    });
    expect(created.role).toBe('FINANCE');
    await expect(
      container.services.staff.create(s.admin, {
        email: 'FIN@ops.test',
        name: 'Fin 2',
        role: 'FINANCE',
        password: 'long enough pw',
      }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'A staff account for fin@ops.test already exists',
    });
    await expect(
      container.services.staff.create(s.admin, { email: 'not-an-email', name: '', role: 'BOSS', password: 'short' }),
    ).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringMatching(/email: .*; name: .*; role: .*; password: .*/) as string,
    });
  });

  it('people and gigs: validated, permission-checked, duplicates refused, nothing half-written', async () => {
    const s = await buildScenario(container, { staff: { sue: 'SUPPORT' } });
    await expect(
      container.services.people.create(s.staff.sue, { kind: 'student', email: 'a@b.test', name: 'A' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const teacher = await container.services.people.create(s.admin, {
      kind: 'teacher',
      email: 'teach@b.test',
      name: 'T',
      timezone: 'Asia/Tokyo',
    });
    expect(teacher).toMatchObject({ timezone: 'Asia/Tokyo' });
    await expect(
      container.services.people.create(s.admin, { kind: 'teacher', email: 'teach@b.test', name: 'T again' }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('teach@b.test') as string,
    });
    await expect(
      container.services.people.create(s.admin, {
        kind: 'student',
        email: 's@b.test',
        name: 'S',
        timezone: 'Mars/Olympus',
      }),
    ).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('IANA time zone') as string,
    });
    await expect(
      container.services.people.create(s.admin, { kind: 'parent', email: 's@b.test', name: 'S' }),
    ).rejects.toMatchObject({ code: 'VALIDATION' });
    const gigs = await container.db.prisma.gig.count();
    await expect(
      container.services.people.createGig(s.admin, {
        teacherId: teacher.id,
        title: 'Japanese',
        language: 'Japanese',
        hourlyRateMinor: 30.5,
        currency: 'JPY',
      }),
    ).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('no decimals') as string,
    });
    await expect(
      container.services.people.createGig(s.admin, {
        teacherId: teacher.id,
        title: 'Japanese',
        language: 'Japanese',
        hourlyRateMinor: 3000,
        currency: 'XYZ',
      }),
    ).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('currency') as string,
    });
    await expect(
      container.services.people.createGig(s.admin, {
        teacherId: 987654,
        title: 'Japanese',
        language: 'Japanese',
        hourlyRateMinor: 3000,
        currency: 'JPY',
      }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await container.db.prisma.gig.count()).toBe(gigs);
    const gig = await container.services.people.createGig(s.admin, {
      teacherId: teacher.id,
      title: 'Japanese',
      language: 'Japanese',
      hourlyRateMinor: 3000,
      currency: 'JPY',
    });
    expect(gig).toMatchObject({ currency: 'JPY', hourlyRateMinor: 3000, active: true });
  });
});
