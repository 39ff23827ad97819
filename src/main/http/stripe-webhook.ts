import type { FastifyInstance } from 'fastify';
import type { Container } from '../container';
import type { Logger } from '../log';

/**
 * POST /webhooks/stripe: the raw body is verified against Stripe-Signature (300 s tolerance) before
 * anything is parsed; a bad or stale signature is a 400 and changes nothing (R25). Any host of a
 * deployment may receive an event: each event id is applied once, by whichever host sees it first.
 */
export function registerStripeWebhook(container: Container, logger: Logger) {
  return function stripeWebhook(app: FastifyInstance, _options: unknown, done: () => void): void {
    // Encapsulated here: only this route reads JSON as the raw text Stripe signed.
    app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string' }, (_request, body, done) => {
      done(null, body);
    });
    app.post('/webhooks/stripe', async (request, reply) => {
      const raw = typeof request.body === 'string' ? request.body : '';
      const signature = request.headers['stripe-signature'];
      let event;
      try {
        if (typeof signature !== 'string') throw new Error('missing Stripe-Signature header');
        event = container.integrations.gateway.verifyWebhook(raw, signature);
      } catch (error) {
        return reply.code(400).send({
          error: `Webhook signature verification failed: ${error instanceof Error ? error.message : String(error)}`,
        });
      }
      try {
        const outcome = await container.services.payments.handleEvent(event);
        return await reply.code(200).send({ received: true, outcome });
      } catch (error) {
        logger.warn(
          `Stripe webhook ${event.id} (${event.type}) failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        // A 5xx makes Stripe deliver it again later; the poller is a second chance.
        return reply.code(500).send({ error: 'could not apply the event yet' });
      }
    });
    done();
  };
}
