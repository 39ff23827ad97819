import type { Credentials } from '../integrations';

/** The part of Electron's safeStorage we use (tested with a fake). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

export interface KeyValueStore {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

const FIELDS = [
  'stripeSecretKey',
  'stripeWebhookSecret',
  'zoomAccountId',
  'zoomClientId',
  'zoomClientSecret',
  'smtpUrl',
  'mailFrom',
] as const;

/**
 * Integration credentials on the desktop: encrypted with the OS keychain (safeStorage) and stored as
 * base64 blobs in the app's settings file — never in the database, never in plain text.
 */
export class SafeStorageCredentials {
  constructor(
    private readonly safeStorage: SafeStorageLike,
    private readonly store: KeyValueStore,
  ) {}

  load(): Credentials {
    const blob = this.store.get('credentials');
    if (typeof blob !== 'string' || !this.safeStorage.isEncryptionAvailable()) return {};
    try {
      const parsed = JSON.parse(this.safeStorage.decryptString(Buffer.from(blob, 'base64'))) as Record<string, unknown>;
      return Object.fromEntries(
        FIELDS.filter((field) => typeof parsed[field] === 'string').map((field) => [field, parsed[field]]),
      );
    } catch {
      return {};
    }
  }

  save(changes: Credentials): void {
    if (!this.safeStorage.isEncryptionAvailable()) {
      throw new Error('The system keychain is not available, so credentials cannot be stored safely on this computer');
    }
    const merged: Record<string, string> = {};
    const current = this.load();
    for (const field of FIELDS) {
      const value = changes[field] ?? current[field];
      if (value) merged[field] = value;
    }
    this.store.set('credentials', this.safeStorage.encryptString(JSON.stringify(merged)).toString('base64'));
  }
}
