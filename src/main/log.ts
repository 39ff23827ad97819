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
 * Lines are held until this many bytes wait (or FLUSH_EVERY_MS passes): a host writing each request's
 * line as it came made one write per line when it was not busy enough for lines to pile up behind a
 * write under way (bench:api, two hosts sharing the load: a tenth of a read's CPU).
 */
const HOLD_BYTES = 4096;
const FLUSH_EVERY_MS = 200;

/**
 * Structured JSON logs (pino) for the headless host, with secrets redacted. Written asynchronously
 * and in blocks (HOLD_BYTES, at the latest FLUSH_EVERY_MS after a line); a warning or an error is
 * written at once, with what waited before it, and pino flushes what is left when the process exits.
 */
export function structuredLogger(
  level = process.env['LOG_LEVEL'] ?? 'info',
  destination: { fd?: number; flushEveryMs?: number } = {},
): { pino: Pino; logger: Logger } {
  const stream = pino.destination({
    dest: destination.fd ?? 1,
    sync: false,
    minLength: HOLD_BYTES,
    periodicFlush: destination.flushEveryMs ?? FLUSH_EVERY_MS,
  });
  const instance = pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, stream);
  // A write under way makes flush() a no-op (what came after it waits for the next block), so a
  // warning logged then is flushed again once that write is done.
  let flushAfterWrite = false;
  const writeNow = () => {
    stream.flush();
    if (flushAfterWrite) return;
    flushAfterWrite = true;
    stream.once('drain', () => {
      flushAfterWrite = false;
      stream.flush();
    });
  };
  return {
    pino: instance,
    logger: {
      info: (message) => instance.info(message),
      warn: (message) => {
        instance.warn(message);
        writeNow();
      },
      error: (message, error) => {
        instance.error({ err: error }, message);
        writeNow();
      },
    },
  };
}
