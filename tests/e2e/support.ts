import { createTRPCClient, httpBatchLink } from '@trpc/client';
import type { Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
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
  return { tag, admin, staff, teacher, student, gig, book };
}

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
