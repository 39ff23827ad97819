import type { Container } from './container';
import type { Logger } from './log';
import type { Services } from './services';

const MAINTENANCE_EVERY_MS = 3_600_000;

/**
 * The system's own transitions on a timer: R16 (payment window), R53 (unanswered requests to move a
 * booking) and R17 (auto-complete 24 h after the end). Each sweep is idempotent, so a missed or doubled tick does no harm. `maintain` refreshes
 * planner statistics for the embedded database, which has no autovacuum.
 */
export function startJobs(
  services: Services,
  logger: Logger,
  maintain: () => Promise<void>,
  intervalMs = 60_000,
): { stop(): void; runOnce(): Promise<void> } {
  let running = false;
  let lastMaintenance: number | null = null;
  const runOnce = async () => {
    if (running) return;
    running = true;
    try {
      const expired = await services.bookings.expireUnpaid();
      const completed = await services.bookings.autoComplete();
      const requests = await services.bookings.expireRequests();
      if (requests > 0) logger.info(`Expired ${requests} unanswered request(s) to move a booking (R53)`);
      if (expired.done.length > 0)
        logger.info(`Cancelled ${expired.done.length} unpaid booking(s) whose payment window closed (R16)`);
      if (completed.done.length > 0)
        logger.info(`Completed ${completed.done.length} session(s) that ended over 24 h ago (R17)`);
      if (lastMaintenance === null || performance.now() - lastMaintenance > MAINTENANCE_EVERY_MS) {
        await maintain();
        lastMaintenance = performance.now();
      }
    } catch (error) {
      logger.error('Background sweep failed; it will run again', error);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void runOnce(), intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), runOnce };
}

const CURSOR_KEY = 'stripe.events.cursor';

/**
 * For a desktop with no public URL (and as a safety net for the host): read Stripe's events from a
 * stored cursor. Each event goes through the same handler as webhooks, which applies an id once.
 */
export async function pollStripeEvents(container: Container, logger: Logger): Promise<number> {
  const stored = (await container.uow.read.settings.all())[CURSOR_KEY];
  const cursor = typeof stored === 'string' ? stored : null;
  const events = await container.integrations.gateway.eventsAfter(cursor);
  let applied = 0;
  for (const event of events) {
    try {
      if ((await container.services.payments.handleEvent(event)) === 'applied') applied += 1;
    } catch (error) {
      logger.warn(
        `Stripe event ${event.id} (${event.type}) could not be applied yet: ${error instanceof Error ? error.message : String(error)}`,
      );
      break; // keep the cursor before it; the next poll retries
    }
    await container.uow.transaction((repos) => repos.settings.set(CURSOR_KEY, event.id, null));
  }
  return applied;
}

export function startStripePoller(container: Container, logger: Logger, intervalMs: number): { stop(): void } {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    pollStripeEvents(container, logger)
      .catch((error: unknown) =>
        logger.warn(`Polling Stripe events failed: ${error instanceof Error ? error.message : String(error)}`),
      )
      .finally(() => (busy = false));
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
