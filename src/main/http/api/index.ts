import type { FastifyInstance } from 'fastify';
import type { Container } from '../../container';

/** The marketplace API of seed-api.md under /api (R50). */
export function marketplaceApi(_container: Container, _env: NodeJS.ProcessEnv) {
  return async function api(_app: FastifyInstance): Promise<void> {
    // Routes are registered here.
  };
}
