import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, TRPCClientError } from '@trpc/client';
import { EventSource } from 'eventsource';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../../src/main/api/root';
import { HOUR_MS } from '../../src/main/domain/clock';
import { startHost, type RunningHost } from '../../src/main/host';
import { silentLogger } from '../../src/main/log';
import { SmtpSandbox } from '../../src/main/sandbox/smtp';
import { StripeSandbox } from '../../src/main/sandbox/stripe';
import { ZoomSandbox } from '../../src/main/sandbox/zoom';
import { freshPostgresDatabase } from '../support/test-db';
import { bearerEventSource } from '../support/sse';

const ADMIN = { email: 'admin@team.test', password: 'team admin password 1' };

/**
 * A team deployment: two hosts over one PostgreSQL (and the same Stripe, Zoom and mail). Sessions,
 * live updates, outbox deliveries and webhooks coordinate through the database alone.
 */
describe('two hosts on one PostgreSQL', () => {
  const stripe = new StripeSandbox();
  const zoom = new ZoomSandbox();
  const smtp = new SmtpSandbox();
  const hosts: RunningHost[] = [];
  const folders: string[] = [];
  let database: Awaited<ReturnType<typeof freshPostgresDatabase>>;

  beforeAll(async () => {
    await Promise.all([stripe.start(), zoom.start(), smtp.start()]);
    database = await freshPostgresDatabase();
    for (let index = 0; index < 2; index += 1) {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), `linguaflex-host-${index}-`));
      folders.push(dataDir);
      hosts.push(
        await startHost({
          config: { dataDir, database: { kind: 'postgres', url: database.url }, firstAdmin: ADMIN },
          logger: silentLogger,
          demoData: 'skip',
          staticDir: dataDir,
          env: { LINGUAFLEX_TOKEN_SECRET: 'a shared secret every host of the team knows, 32+ chars' },
          integrations: { sandboxes: { stripe, zoom, smtp } },
          pollIntervalMs: 3_600_000,
          jobIntervalMs: 3_600_000,
        }),
      );
    }
    // Stripe delivers each event to one host's endpoint, as a load balancer would.
    stripe.setWebhook(null);
  });
  afterAll(async () => {
    for (const host of hosts) await host.close();
    await database.drop();
    await Promise.all([stripe.stop(), zoom.stop(), smtp.stop()]);
    for (const folder of folders) await rm(folder, { recursive: true, force: true });
  });

  const hostA = () => hosts[0] as RunningHost;
  const hostB = () => hosts[1] as RunningHost;
  function client(host: RunningHost, token: () => string | null) {
    const url = `${host.url}/trpc`;
    return createTRPCClient<AppRouter>({
      links: [
        splitLink({
          condition: (op) => op.type === 'subscription',
          true: httpSubscriptionLink({
            url,
            transformer: superjson,
            EventSource,
            // The token in the stream's Authorization header: the host refuses one in a URL.
            eventSourceOptions: bearerEventSource(token),
          }),
          false: httpBatchLink({
            url,
            transformer: superjson,
            headers: () => (token() ? { authorization: `Bearer ${token() ?? ''}` } : {}),
          }),
        }),
      ],
    });
  }
  const signIn = async (host: RunningHost) => {
    const session = await client(host, () => null).auth.login.mutate(ADMIN);
    return session.token;
  };

  /** A confirmed booking with a card attached through host `host`. */
  async function confirmedBooking(host: RunningHost, token: string, slot: number) {
    const api = client(host, () => token);
    const teacher = await api.people.create.mutate({ kind: 'teacher', email: `t${slot}@team.test`, name: `T${slot}` });
    const student = await api.people.create.mutate({ kind: 'student', email: `s${slot}@team.test`, name: `S${slot}` });
    const gig = await api.gigs.create.mutate({
      teacherId: teacher.id,
      title: 'Spanish',
      language: 'es',
      hourlyRateMinor: 4000,
      currency: 'USD',
    });
    const booking = await api.bookings.create.mutate({
      studentId: student.id,
      gigId: gig.id,
      startsAt: new Date(Date.now() + (48 + slot) * HOUR_MS),
      minutes: 60,
    });
    await api.bookings.confirm.mutate({ id: booking.id });
    const card = await api.payments.attachMethod.mutate({ studentId: student.id, paymentMethodId: 'pm_card_visa' });
    return { api, booking, card };
  }

  it('a session made on one host is honoured on the other; signing out on one ends it on both', async () => {
    const token = await signIn(hostA());
    expect(await client(hostB(), () => token).auth.me.query()).toMatchObject({ email: ADMIN.email });
    await client(hostB(), () => token).auth.logout.mutate();
    for (const host of hosts) {
      const error = (await client(host, () => token)
        .auth.me.query()
        .catch((caught: unknown) => caught)) as TRPCClientError<AppRouter>;
      expect(error).toBeInstanceOf(TRPCClientError);
      expect(error.data?.domainCode).toBe('UNAUTHENTICATED');
    }
  });

  it('a change made through one host reaches a console subscribed on the other within a second', async () => {
    const token = await signIn(hostA());
    const teacher = await client(hostA(), () => token).people.create.mutate({
      kind: 'teacher',
      email: 'live-t@team.test',
      name: 'Live',
    });
    const student = await client(hostA(), () => token).people.create.mutate({
      kind: 'student',
      email: 'live-s@team.test',
      name: 'Live S',
    });
    const gig = await client(hostA(), () => token).gigs.create.mutate({
      teacherId: teacher.id,
      title: 'French',
      language: 'fr',
      hourlyRateMinor: 3000,
      currency: 'EUR',
    });
    const received: { data: { type: string; bookingId?: number } }[] = [];
    let started = false;
    const subscription = client(hostB(), () => token).bookings.onChange.subscribe(undefined, {
      onStarted: () => (started = true),
      onData: (event) => received.push(event),
    });
    await expect.poll(() => started, { timeout: 10_000 }).toBe(true);
    const before = performance.now();
    const booking = await client(hostA(), () => token).bookings.create.mutate({
      studentId: student.id,
      gigId: gig.id,
      startsAt: new Date(Date.now() + 72 * HOUR_MS),
      minutes: 60,
    });
    await expect
      .poll(
        () => received.some((event) => event.data.type === 'booking.changed' && event.data.bookingId === booking.id),
        {
          timeout: 1000,
          interval: 20,
        },
      )
      .toBe(true);
    expect(performance.now() - before).toBeLessThan(1000);
    subscription.unsubscribe();
  });

  it('both hosts’ outbox workers deliver every effect exactly once', async () => {
    const tokens = [await signIn(hostA()), await signIn(hostB())];
    const flows = await Promise.all(
      Array.from({ length: 6 }, (_, slot) =>
        confirmedBooking(hosts[slot % 2] as RunningHost, tokens[slot % 2] ?? '', slot + 10),
      ),
    );
    await Promise.all(
      flows.map(async ({ api, booking, card }) => {
        const intent = await api.payments.createIntent.mutate({
          bookingId: booking.id,
          paymentMethodId: card.paymentMethodId,
        });
        await api.payments.confirm.mutate({ paymentIntentId: intent.paymentIntentId });
      }),
    );
    for (let round = 0; round < 20; round += 1) {
      await Promise.all(hosts.map((host) => host.container.outbox.drain()));
      const paidMails = smtp.messages.filter((mail) =>
        flows.some(({ booking }) => mail.subject.includes(`#${booking.id} is paid`)),
      );
      if (paidMails.length >= flows.length * 2) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const { booking } of flows) {
      expect(
        [...zoom.meetings.values()].filter((meeting) => meeting.agenda.includes(`booking:${booking.id}`)),
      ).toHaveLength(1);
      expect(smtp.messages.filter((mail) => mail.subject.includes(`#${booking.id} is paid`))).toHaveLength(2);
      expect(
        smtp.messages.filter((mail) => mail.subject.startsWith(`New booking request #${booking.id}:`)),
      ).toHaveLength(1);
    }
    const rows = await hostA().container.db.prisma.outboxMessage.findMany({
      where: { bookingId: { in: flows.map(({ booking }) => booking.id) } },
    });
    expect(rows.every((row) => row.status === 'DELIVERED')).toBe(true);
  });

  it('a Stripe event delivered to both hosts at once is applied once', async () => {
    const token = await signIn(hostA());
    const { api, booking, card } = await confirmedBooking(hostA(), token, 30);
    const intent = await api.payments.createIntent.mutate({
      bookingId: booking.id,
      paymentMethodId: card.paymentMethodId,
    });
    const before = stripe.snapshot().events.length;
    // Paid at Stripe behind our back: only the event tells us.
    await hostA().container.integrations.gateway.confirmPaymentIntent(
      intent.paymentIntentId,
      null,
      `behind-${booking.id}`,
    );
    const event = stripe
      .snapshot()
      .events.slice(before)
      .find((candidate) => candidate['type'] === 'payment_intent.succeeded');
    const body = JSON.stringify(event);
    const at = Math.floor(Date.now() / 1000);
    const secret = (host: RunningHost) => host.container.integrations.webhookSecret;
    const post = (host: RunningHost) =>
      fetch(`${host.url}/webhooks/stripe`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'Stripe-Signature': `t=${at},v1=${createHmac('sha256', secret(host)).update(`${at}.${body}`).digest('hex')}`,
        },
        body,
      });
    const answers = await Promise.all(
      hosts.map(async (host) => ((await (await post(host)).json()) as { outcome: string }).outcome),
    );
    expect(answers.sort()).toEqual(['applied', 'duplicate']);
    const detail = await api.bookings.get.query({ id: booking.id });
    expect(detail.paymentStatus).toBe('PAID');
    expect(detail.transitions.filter((transition) => transition.action === 'payment_succeeded')).toHaveLength(1);
  });
});
