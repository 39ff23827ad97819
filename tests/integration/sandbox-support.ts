import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Stripe from 'stripe';
import type { StripeSandbox } from '../../src/main/sandbox/stripe';

/** The official SDK pointed at a sandbox, as the console points it (no retries unless a test asks). */
export function sdkFor(sandbox: StripeSandbox, options: { retries?: number; timeoutMs?: number } = {}): Stripe {
  return new Stripe(sandbox.apiKey, {
    host: '127.0.0.1',
    port: sandbox.port,
    protocol: 'http',
    maxNetworkRetries: options.retries ?? 0,
    timeout: options.timeoutMs ?? 5000,
    telemetry: false,
  });
}

/** A throwaway folder for a sandbox's state. */
export function stateDir(label: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `linguaflex-sandbox-${label}-`));
  return { dir: path.join(dir, 'state'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A clock tests move by hand. */
export function manualClock(start = Date.parse('2026-12-01T09:00:00Z')) {
  let now = start;
  const clock = () => now;
  clock.advance = (ms: number) => {
    now += ms;
  };
  return clock;
}

export const HOUR = 60 * 60 * 1000;
export const DAY = 24 * HOUR;

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error('expected Stripe to refuse');
}

/** A customer with a card attached, ready for intents. */
export async function customerWithCard(stripe: Stripe, token = 'pm_card_visa') {
  const customer = await stripe.customers.create({ email: 'ana@example.test', name: 'Ana' });
  const method = await stripe.paymentMethods.attach(token, { customer: customer.id });
  return { customer, method };
}

/** A succeeded intent on that card, confirmed off the console (no redirects). */
export async function paidIntent(stripe: Stripe, token = 'pm_card_visa', amount = 5000, currency = 'usd') {
  const { customer, method } = await customerWithCard(stripe, token);
  const intent = await stripe.paymentIntents.create({
    amount,
    currency,
    customer: customer.id,
    payment_method: method.id,
    confirm: true,
    automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    metadata: { bookingId: '7' },
  });
  return { customer, method, intent };
}

/** The id of an expandable field (`latest_charge`, `payment_method`, …), which the sandbox always leaves unexpanded. */
export function idOf(value: string | { id: string } | null | undefined): string {
  if (value === null || value === undefined) throw new Error('expected an id');
  return typeof value === 'string' ? value : value.id;
}
