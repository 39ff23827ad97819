import { appendFileSync, chmodSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal } from '../../src/main/sandbox/journal';
import { SmtpSandbox } from '../../src/main/sandbox/smtp';
import { StripeSandbox } from '../../src/main/sandbox/stripe';
import { ZoomSandbox } from '../../src/main/sandbox/zoom';
import { idOf, paidIntent, sdkFor, stateDir } from './sandbox-support';

/** The sandboxes keep their state in a folder and a new sandbox over it answers with the same objects. */
describe('sandbox persistence', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  function folder(label: string) {
    const made = stateDir(label);
    cleanups.push(made.remove);
    return made.dir;
  }
  async function started<T extends { start(): Promise<string>; stop(): Promise<void> }>(sandbox: T): Promise<T> {
    await sandbox.start();
    cleanups.push(() => sandbox.stop());
    return sandbox;
  }

  it('Stripe: a restart on another port answers with the same customer, intent, refund and events, and replays a saved answer', async () => {
    const dir = folder('stripe');
    const first = await started(new StripeSandbox({ stateDir: dir, asyncTimers: false }));
    const stripe = sdkFor(first);
    const { customer, intent } = await paidIntent(stripe);
    const refund = await stripe.refunds.create(
      { payment_intent: intent.id, amount: 1200, metadata: { refundRequestId: '42' } },
      { idempotencyKey: 'refund-42' },
    );
    const eventsBefore = await stripe.events.list({ limit: 100 });
    const firstPort = first.port;
    await first.stop();

    const second = await started(new StripeSandbox({ stateDir: dir, asyncTimers: false }));
    await second.stop();
    await second.start(0); // and once more, after a compaction
    expect(second.port).not.toBe(firstPort);
    const again = sdkFor(second);
    expect((await again.customers.retrieve(customer.id)) as unknown).toMatchObject({
      id: customer.id,
      email: 'ana@example.test',
    });
    const intentAgain = await again.paymentIntents.retrieve(intent.id);
    expect(intentAgain).toMatchObject({
      status: 'succeeded',
      amount: 5000,
      latest_charge: intent.latest_charge,
      metadata: { bookingId: '7' },
    });
    expect(await again.refunds.retrieve(refund.id)).toMatchObject({
      status: 'succeeded',
      amount: 1200,
      metadata: { refundRequestId: '42' },
    });
    expect((await again.refunds.list({ payment_intent: intent.id })).data.map((listed) => listed.id)).toEqual([
      refund.id,
    ]);
    const eventsAfter = await again.events.list({ limit: 100 });
    expect(eventsAfter.data.map((event) => event.id)).toEqual(eventsBefore.data.map((event) => event.id));
    // The same key and parameters: the saved answer, not a second refund.
    const replay = await again.refunds.create(
      { payment_intent: intent.id, amount: 1200, metadata: { refundRequestId: '42' } },
      { idempotencyKey: 'refund-42' },
    );
    expect(replay.id).toBe(refund.id);
    expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(second.snapshot().refunds).toHaveLength(1);
    // And the remaining amount is what it was.
    const charge = await again.charges.retrieve(idOf(intent.latest_charge));
    expect(charge.amount_refunded).toBe(1200);
  });

  it('Stripe: the state is a private, append-only journal: folder 0700, file 0600, one line per change', async () => {
    const dir = folder('modes');
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    chmodSync(dir, 0o755);
    const sandbox = await started(new StripeSandbox({ stateDir: dir }));
    const stripe = sdkFor(sandbox);
    const customer = await stripe.customers.create({ email: 'bo@example.test' });
    const file = path.join(dir, 'stripe.jsonl');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const before = readFileSync(file, 'utf8');
    await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const after = readFileSync(file, 'utf8');
    expect(after.startsWith(before)).toBe(true); // appended, nothing rewritten
    expect(after.slice(before.length).trimEnd().split('\n')).toHaveLength(1); // the whole request as one line
  });

  it('Stripe: a change torn by a crash is skipped whole and does not swallow the next one', async () => {
    const dir = folder('torn');
    const sandbox = await started(new StripeSandbox({ stateDir: dir }));
    const kept = await sdkFor(sandbox).customers.create({ email: 'kept@example.test' });
    await sandbox.stop();
    const file = path.join(dir, 'stripe.jsonl');
    appendFileSync(file, '[{"t":"customer","v":{"id":"cus_torn","object":"cus');
    const reopened = await started(new StripeSandbox({ stateDir: dir }));
    const later = await sdkFor(reopened).customers.create({ email: 'later@example.test' });
    await reopened.stop();
    const third = new StripeSandbox({ stateDir: dir });
    expect(third.snapshot().customers.map((candidate) => candidate['id'])).toEqual([kept.id, later.id]);

    // Without a compaction in between (the journal itself), the next change still gets its own line.
    const journal = new Journal<{ n: number }>(dir, 'plain.jsonl');
    journal.append([{ n: 1 }]);
    journal.close();
    appendFileSync(path.join(dir, 'plain.jsonl'), '[{"n":');
    const again = new Journal<{ n: number }>(dir, 'plain.jsonl');
    again.append([{ n: 3 }]);
    again.close();
    expect(again.load()).toEqual([{ n: 1 }, { n: 3 }]);
  });

  it('Stripe: 3-D Secure URLs do not depend on the port', async () => {
    const dir = folder('urls');
    const first = await started(new StripeSandbox({ stateDir: dir }));
    const stripe = sdkFor(first);
    const intent = await stripe.paymentIntents.create({
      amount: 2000,
      currency: 'eur',
      payment_method: 'pm_card_authenticationRequired',
      confirm: true,
      return_url: 'https://console.example/return',
    });
    const url = intent.next_action?.redirect_to_url?.url;
    expect(url).toMatch(/^https:\/\/stripe\.sandbox\.localhost\/3ds\/pi_/);
    await first.stop();
    const second = await started(new StripeSandbox({ stateDir: dir }));
    const again = await sdkFor(second).paymentIntents.retrieve(intent.id);
    expect(again.next_action?.redirect_to_url?.url).toBe(url);
    expect(second.completeAuthentication(intent.id, true)).toMatchObject({ status: 'succeeded' });
  });

  it('Zoom: a restart keeps meetings, deleted ids, the id counter and tokens; join URLs stay the same', async () => {
    const dir = folder('zoom');
    const first = await started(new ZoomSandbox({ stateDir: dir }));
    const token = async (zoom: ZoomSandbox) => {
      const basic = Buffer.from(`${zoom.clientId}:${zoom.clientSecret}`).toString('base64');
      const response = await fetch(
        `${zoom.url}/oauth/token?grant_type=account_credentials&account_id=${zoom.accountId}`,
        {
          method: 'POST',
          headers: { Authorization: `Basic ${basic}` },
        },
      );
      return ((await response.json()) as { access_token: string }).access_token;
    };
    const bearer = await token(first);
    const create = async (zoom: ZoomSandbox, topic: string) => {
      const response = await fetch(`${zoom.url}/v2/users/me/meetings`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ topic, type: 2, start_time: '2026-12-02T10:00:00Z', duration: 60, agenda: topic }),
      });
      expect(response.status).toBe(201);
      return (await response.json()) as { id: number; join_url: string; start_url: string };
    };
    const kept = await create(first, 'kept');
    const gone = await create(first, 'gone');
    expect(
      (
        await fetch(`${first.url}/v2/meetings/${gone.id}`, {
          method: 'DELETE',
          headers: { Authorization: `Bearer ${bearer}` },
        })
      ).status,
    ).toBe(204);
    await first.stop();

    const second = await started(new ZoomSandbox({ stateDir: dir }));
    expect(second.url).not.toBe(first.url);
    expect([...second.meetings.keys()]).toEqual([kept.id]);
    expect(second.deleted).toEqual([gone.id]);
    const fetched = await fetch(`${second.url}/v2/meetings/${kept.id}`, {
      headers: { Authorization: `Bearer ${bearer}` },
    });
    expect(fetched.status).toBe(200);
    const meeting = (await fetched.json()) as { join_url: string; start_url: string };
    expect(meeting.join_url).toBe(kept.join_url);
    expect(meeting.join_url).toMatch(/^https:\/\/zoom\.sandbox\.localhost\/j\/\d+\?pwd=/);
    expect(
      (await fetch(`${second.url}/v2/meetings/${gone.id}`, { headers: { Authorization: `Bearer ${bearer}` } })).status,
    ).toBe(404);
    const next = await create(second, 'next');
    expect(next.id).toBeGreaterThan(gone.id);
  });

  it('Zoom: the positional constructor still works', () => {
    const zoom = new ZoomSandbox('acct', 'id', 'secret');
    expect([zoom.accountId, zoom.clientId, zoom.clientSecret]).toEqual(['acct', 'id', 'secret']);
    expect(new ZoomSandbox().accountId).toBe('sandbox-account');
  });

  it('SMTP: a restart keeps the stored messages', async () => {
    const dir = folder('smtp');
    const first = await started(new SmtpSandbox({ stateDir: dir }));
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: Number(new URL(first.url).port),
      secure: false,
      ignoreTLS: true,
    });
    await transport.sendMail({
      from: 'no-reply@linguaflex.local',
      to: 'ana@example.test',
      subject: 'Booking #12 is paid',
      text: 'See you there',
      html: '<p>See you there</p>',
    });
    const stored = first.messages[0];
    await first.stop();
    const second = new SmtpSandbox({ stateDir: dir });
    expect(second.messages).toHaveLength(1);
    expect(second.messages[0]).toMatchObject({
      id: stored?.id,
      subject: 'Booking #12 is paid',
      to: ['ana@example.test'],
      text: stored?.text,
    });
    expect(second.messages[0]?.receivedAt).toBeInstanceOf(Date);
    expect(second.messages[0]?.receivedAt.getTime()).toBe(stored?.receivedAt.getTime());
    expect(statSync(path.join(dir, 'smtp.jsonl')).mode & 0o777).toBe(0o600);
  });
});
