import { LogController, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { Logger as Pino } from 'pino';
import { urlForLogs } from './credentials-in-url';

/** What a request-log line says of the request: no headers, no body, credentials in its URL replaced. */
function requestForLogs(request: FastifyRequest) {
  return {
    method: request.method,
    url: urlForLogs(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket.remotePort,
  };
}

/**
 * One request-log line per request, written when it is answered (the request, the status and the
 * time taken), instead of Fastify's two (one on arrival, one on completion): under load the JSON
 * logging was a large part of a request's CPU.
 *
 * The answered line is made of requestForLogs's fields, the status and the time, none of which can
 * hold a secret, so it is written by a child logger without the redaction paths: pino's redaction
 * deep-copies every field of a line for its wildcard paths (`*.password`…), which cost 9.5 % of a
 * booking read's CPU. A failed request's line carries the error, so it keeps the redacting logger.
 */
class OneLinePerRequest extends LogController {
  constructor(private readonly answered: Pino) {
    super();
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    if (error)
      reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else
      this.answered.info(
        {
          reqId: request.id,
          req: requestForLogs(request),
          res: { statusCode: reply.statusCode },
          responseTime: reply.elapsedTime,
        },
        'request completed',
      );
  }
}

/** Fastify's logger options for the host: request logs through `pino` (redacting), one line each. */
export function requestLogOptions(
  pino: Pino | undefined,
): Pick<FastifyServerOptions, 'loggerInstance' | 'logController'> | { logger: false } {
  if (!pino) return { logger: false };
  return {
    // Fastify's request serializer, with credentials in a URL never written to the log.
    loggerInstance: pino.child({}, { serializers: { req: requestForLogs } }),
    logController: new OneLinePerRequest(pino.child({}, { redact: [] })),
  };
}
