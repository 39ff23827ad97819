import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Fault {
  /** 'status': answer with an error status; 'timeout-before': never answer and do nothing;
   *  'timeout-after': do the work, then never answer (the client retries into a replay). */
  kind: 'status' | 'timeout-before' | 'timeout-after';
  status?: number;
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
