import { z } from 'zod';
import type { Services } from '../../../services';
import { conflict, declined, invalidInput } from '../errors';
import { currencyOf, decimalAmount, presentPayment, presentPaymentMethod } from '../presenters';
import { defineRoute, type ApiRoute } from '../route';
import {
  CARD_DATA_FIELDS,
  DEFAULT_PAGE,
  addPaymentMethodBody,
  confirmPaymentBody,
  confirmedSchema,
  createIntentBody,
  idParams,
  intentSchema,
  methodAddedSchema,
  pageQuery,
  paymentMethodSchema,
  paymentSchema,
} from '../schemas';

const tags = ['payments'];

const keysOf = (value: unknown): string[] =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : [];

/**
 * R20: card numbers, codes and expiry never reach this system. A request carrying any is refused
 * before anything else happens (before authentication, before any service), naming the fields but
 * never their values, and nothing of it is logged.
 */
export function refuseCardData(raw: { body: unknown; query: unknown }): void {
  const found = [...new Set([...keysOf(raw.body), ...keysOf(raw.query)])].filter((key) =>
    CARD_DATA_FIELDS.includes(key.toLowerCase()),
  );
  if (found.length === 0) return;
  const message =
    'card data must never be sent here: add the card with Stripe (Elements or the mobile SDK) and send its payment_method_id (pm_…)';
  throw invalidInput(Object.fromEntries(found.map((field) => [field, [message]])));
}

export function paymentRoutes(services: Services): ApiRoute[] {
  const { marketplace, payments } = services;
  return [
    defineRoute({
      method: 'POST',
      path: '/api/payments/add-payment-method/',
      operationId: 'addPaymentMethod',
      summary: 'Save a card',
      description:
        'Send the Stripe payment method id (`pm_…`, Stripe’s test tokens included). A body with card numbers, CVCs ' +
        'or expiry fields is refused with 400 before anything else happens (R20).',
      tags,
      access: 'student',
      moneyMoving: true,
      screen: refuseCardData,
      body: addPaymentMethodBody,
      responses: { 200: methodAddedSchema },
      errors: [402, 502],
      problems: { field: 'payment_method_id', rename: { paymentMethodId: 'payment_method_id' } },
    }).handle(async ({ actor, body }) => {
      const card = await payments.attachMethod.run(actor, {
        studentId: actor.id,
        paymentMethodId: body.payment_method_id,
      });
      return {
        status: 200,
        body: {
          success: true,
          message: `Your ${card.brand} card ending in ${card.last4} is saved.`,
          payment_method_id: card.paymentMethodId,
          card_brand: card.brand,
          card_last4: card.last4,
          saved: true,
        },
      };
    }),

    defineRoute({
      method: 'GET',
      path: '/api/payments/payment-methods/',
      operationId: 'listPaymentMethods',
      summary: 'Your saved cards',
      description: 'Newest first; the card added most recently is the default.',
      tags,
      access: 'student',
      query: pageQuery,
      responses: { 200: z.array(paymentMethodSchema) },
    }).handle(async ({ actor, query }) => {
      const methods = (await payments.listMethods.run(actor, { studentId: actor.id })).sort(
        (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id,
      );
      const newest = methods[0]?.id;
      const page = methods
        .filter((method) => query.before === undefined || method.id < query.before)
        .slice(0, query.limit ?? DEFAULT_PAGE);
      return { status: 200, body: page.map((method) => presentPaymentMethod(method, method.id === newest)) };
    }),

    defineRoute({
      method: 'POST',
      path: '/api/payments/create-payment-intent/',
      operationId: 'createPaymentIntent',
      summary: 'Start paying for a booking',
      description:
        'The amount is the booking’s stored quote (R6). 201 with a new intent; 200 with the same intent when the ' +
        'booking already has an open or paid one (R21, never a second charge). Only for a CONFIRMED booking ' +
        'whose start is still ahead (R23; else 409).',
      tags,
      access: 'student',
      moneyMoving: true,
      body: createIntentBody,
      responses: { 201: intentSchema, 200: intentSchema },
      errors: [402, 404, 409, 502],
      problems: {
        field: 'payment_method_id',
        rename: { bookingId: 'session_booking_id', paymentMethodId: 'payment_method_id' },
      },
    }).handle(async ({ actor, body }) => {
      const intent = await payments.createIntent.run(actor, {
        bookingId: body.session_booking_id,
        paymentMethodId: body.payment_method_id,
      });
      return {
        status: intent.created ? 201 : 200,
        body: {
          success: true,
          payment_id: intent.paymentId,
          payment_intent_id: intent.paymentIntentId,
          client_secret: intent.clientSecret,
          amount_cents: intent.amountMinor,
          amount: decimalAmount(intent.amountMinor, intent.currency),
          currency: currencyOf(intent.currency),
          status: intent.status,
        },
      };
    }),

    defineRoute({
      method: 'POST',
      path: '/api/payments/confirm-payment/',
      operationId: 'confirmPayment',
      summary: 'Pay',
      description:
        'On success the booking is PAID at once (R14: the meeting and both emails follow). REQUIRES_ACTION comes ' +
        'with the client_secret for 3-D Secure. A decline is 402 and leaves the booking CONFIRMED / FAILED so the ' +
        'student can retry (R15). Confirming again is harmless.',
      tags,
      access: 'student',
      moneyMoving: true,
      body: confirmPaymentBody,
      responses: { 200: confirmedSchema },
      errors: [402, 404, 409, 502],
      problems: {
        field: 'payment_method_id',
        rename: { paymentIntentId: 'payment_intent_id', paymentMethodId: 'payment_method_id' },
      },
    }).handle(async ({ actor, body }) => {
      const result = await payments.confirm.run(actor, {
        paymentIntentId: body.payment_intent_id,
        paymentMethodId: body.payment_method_id,
      });
      const ids = { payment_id: result.paymentId, booking_id: result.bookingId };
      switch (result.status) {
        case 'PAID':
          return { status: 200, body: { success: true, status: 'PAID', requires_action: false, ...ids } };
        case 'PENDING':
          return {
            status: 200,
            body: result.requiresAction
              ? {
                  success: true,
                  status: 'REQUIRES_ACTION',
                  requires_action: true,
                  client_secret: result.clientSecret,
                  ...ids,
                }
              : { success: true, status: 'PENDING', requires_action: false, ...ids },
          };
        case 'FAILED':
          throw declined(
            result.decline?.message ?? result.message,
            result.decline?.code ?? null,
            result.decline?.declineCode ?? null,
          );
        default:
          throw conflict(`Payment ${result.paymentId} is ${result.status}; there is nothing to confirm`);
      }
    }),

    defineRoute({
      method: 'GET',
      path: '/api/payments/payments/',
      operationId: 'listPayments',
      summary: 'Your payments',
      description: 'A student’s payments, or those of a teacher’s sessions (without card data); newest first.',
      tags,
      access: 'signed-in',
      query: pageQuery,
      responses: { 200: z.array(paymentSchema) },
    }).handle(async ({ actor, query }) => {
      const rows = await marketplace.payments(actor, { beforeId: query.before, limit: query.limit ?? DEFAULT_PAGE });
      return { status: 200, body: rows.map((row) => presentPayment(row, actor)) };
    }),

    defineRoute({
      method: 'GET',
      path: '/api/payments/payments/{id}/',
      operationId: 'getPayment',
      summary: 'One payment',
      tags,
      access: 'signed-in',
      params: idParams,
      responses: { 200: paymentSchema },
    }).handle(async ({ actor, params }) => ({
      status: 200,
      body: presentPayment(await marketplace.payment(actor, params.id), actor),
    })),
  ];
}
