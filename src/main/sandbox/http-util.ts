import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * One injected fault. Every sandbox takes the next queued fault for each request it receives, in order:
 * - `status`: answer with that HTTP status instead of doing the work. The Stripe sandbox treats a 5xx as "the
 *   endpoint failed while running" and saves it under the request's Idempotency-Key, as Stripe does;
 * - `timeout-before`: never answer and do nothing (the request was lost on the way in);
 * - `timeout-after`: do the work and save its answer, then never answer (the answer was lost on the way out;
 *   a retry with the same idempotency key gets the replay);
 * - `slow`: take `delayMs` (default 1000 ms) before doing the work, holding the request's idempotency key
 *   meanwhile, so that a concurrent request with the same key meets Stripe's 409 `idempotency_key_in_use`.
 */
export interface Fault {
  kind: 'status' | 'timeout-before' | 'timeout-after' | 'slow';
  status?: number;
  delayMs?: number;
}

/** The fault-injection every sandbox offers: fail the next N calls. */
export class FaultPlan {
  private readonly queue: Fault[] = [];
  failNext(count: number, fault: Fault = { kind: 'status', status: 500 }): void {
    for (let i = 0; i < count; i += 1) this.queue.push(fault);
  }
  take(): Fault | undefined {
    return this.queue.shift();
  }
  clear(): void {
    this.queue.length = 0;
  }
  get pending(): number {
    return this.queue.length;
  }
}

/**
 * Runs a request handler; anything it throws unexpectedly becomes a 500 instead of an unhandled rejection that
 * would take the hosting process down.
 */
export function guarded(
  handler: (request: http.IncomingMessage, response: http.ServerResponse) => Promise<void>,
): (request: http.IncomingMessage, response: http.ServerResponse) => void {
  return (request, response) => {
    handler(request, response).catch((error: unknown) => {
      if (response.headersSent || response.destroyed) return;
      response.writeHead(500, { 'Content-Type': 'application/json' });
      response.end(
        JSON.stringify({
          error: {
            type: 'api_error',
            message: `Sandbox failure: ${error instanceof Error ? error.message : String(error)}`,
          },
        }),
      );
    });
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function readBody(request: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function listen(server: http.Server, port = 0): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return `http://127.0.0.1:${address.port}`;
}

export async function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export function randomId(prefix: string, length = 24): string {
  let id = '';
  for (let i = 0; i < length; i += 1) id += ALPHABET[Math.floor(Math.random() * ALPHABET.length)] ?? '';
  return `${prefix}${id}`;
}
