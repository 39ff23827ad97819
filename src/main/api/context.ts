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
  /** The client's address (HTTP only): staff sign-ins are throttled per address too. */
  address?: string | null,
  /** The browser console over HTTP: its session lives in an HttpOnly cookie. */
  cookieSession?: ApiContext['cookieSession'],
): ApiContext {
  return {
    ...(cookieSession ? { cookieSession } : {}),
    saveCredentials,
    desktop,
    address: address ?? null,
    services: container.services,
    events: container.events,
    logger,
    token,
    integrations: () => container.integrations.describe(),
  };
}
