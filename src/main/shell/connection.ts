/**
 * The desktop as a client of a team server: the address (checked, then stored in the app's settings
 * file, like window state) and the check that a server answers there. Tested without Electron.
 */
import type { DesktopConnection } from '../api/routers/desktop';
import { DomainError } from '../domain/errors';
import { failureReason, unansweredMessage } from '../ipc/remote-backend';

/** The part of electron-store used here (tested with a Map). */
export interface SettingsStore {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  delete(key: string): void;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A team server's address as stored and used: https:// (http:// only on this computer, for local
 * testing), no credentials, query or fragment, no trailing slash. Throws a VALIDATION DomainError
 * that says what to change.
 */
export function parseTeamServerUrl(raw: string): string {
  const text = raw.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    throw new DomainError(
      'VALIDATION',
      `Enter the server’s full address, starting with https:// (e.g. https://${text || 'ops.example.com'})`,
    );
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new DomainError('VALIDATION', `“${text}” is not a web address`);
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new DomainError(
      'VALIDATION',
      'Use an https:// address: the staff token travels with every call (http:// is accepted only for localhost, for testing)',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new DomainError('VALIDATION', 'The address must start with https://');
  }
  if (url.username || url.password) {
    throw new DomainError('VALIDATION', 'The address must not contain a user name or password');
  }
  if (url.search || url.hash) {
    throw new DomainError('VALIDATION', 'The address must not contain “?” or “#”');
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** Which server the next start uses, kept in the app's settings file. */
export class TeamServerSetting {
  constructor(private readonly store: SettingsStore) {}

  read(): DesktopConnection {
    const saved = this.store.get('teamServer');
    const url = typeof saved === 'object' && saved !== null ? (saved as { url?: unknown }).url : undefined;
    if (typeof url !== 'string') return { kind: 'local' };
    try {
      return { kind: 'remote', url: parseTeamServerUrl(url) };
    } catch {
      // A hand-edited or corrupt setting: the embedded database, rather than a start that fails.
      return { kind: 'local' };
    }
  }

  save(url: string): void {
    this.store.set('teamServer', { url: parseTeamServerUrl(url) });
  }

  clear(): void {
    this.store.delete('teamServer');
  }
}

/**
 * A LinguaFlex Ops host answers `GET /healthz` with 200 `{ ok: true }`. Anything else is an
 * INTEGRATION_FAILED DomainError saying whether nothing answered or something else did.
 */
export async function checkTeamServer(
  url: string,
  options: { fetch?: typeof globalThis.fetch; timeoutMs?: number } = {},
): Promise<void> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 8_000;
  let response: Response;
  try {
    response = await fetchImpl(`${url}/healthz`, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new DomainError('INTEGRATION_FAILED', unansweredMessage(url, failureReason(error)));
  }
  const body: unknown = await response.json().catch(() => null);
  if (response.status !== 200 || typeof body !== 'object' || body === null || (body as { ok?: unknown }).ok !== true) {
    throw new DomainError(
      'INTEGRATION_FAILED',
      `The server at ${url} answered, but not as a LinguaFlex Ops team server would (GET /healthz: HTTP ${response.status}); check the address`,
    );
  }
}
