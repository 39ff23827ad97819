import type { Container } from '../container';
import type { Logger } from '../log';
import type { ApiContext } from './trpc';

/** The context of one call, the same for IPC, HTTP and direct callers. */
export function apiContext(
  container: Container,
  logger: Logger,
  token: string | null,
  saveCredentials?: ApiContext['saveCredentials'],
  desktop?: ApiContext['desktop'],
): ApiContext {
  return {
    saveCredentials,
    desktop,
    services: container.services,
    events: container.events,
    logger,
    token,
    integrations: () => container.integrations.describe(),
  };
}
