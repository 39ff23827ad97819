import pino, { type Logger as Pino } from 'pino';

/** Logging for the trusted side. Callers never pass secrets; the structured logger also redacts them. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

export const consoleLogger: Logger = {
  info: (message) => console.log(message),
  warn: (message) => console.warn(`warning: ${message}`),
  error: (message, error) => console.error(`error: ${message}${error instanceof Error ? `: ${error.message}` : ''}`),
};

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Whatever could carry a secret never reaches a log line: credentials and tokens in headers, and
 * passwords, tokens and card data in bodies (R20, R34).
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["stripe-signature"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.card_number',
  '*.number',
  '*.cvc',
  '*.cvv',
];

/**
 * Structured JSON logs (pino) for the headless host, with secrets redacted. Written asynchronously:
 * lines logged while a write is under way go out together in the next one (one system call instead
 * of one per request line under load), and pino flushes what is left when the process exits.
 */
export function structuredLogger(level = process.env['LOG_LEVEL'] ?? 'info'): { pino: Pino; logger: Logger } {
  const instance = pino(
    { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    pino.destination({ dest: 1, sync: false }),
  );
  return {
    pino: instance,
    logger: {
      info: (message) => instance.info(message),
      warn: (message) => instance.warn(message),
      error: (message, error) => instance.error({ err: error }, message),
    },
  };
}
