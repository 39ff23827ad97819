import { describe, expect, it } from 'vitest';
import { maskSecret } from '../../../src/main/integrations';
import { SafeStorageCredentials, type SafeStorageLike } from '../../../src/main/shell/credentials';

/** A stand-in for the OS keychain: a reversible transform that is not the plain text. */
const fakeSafeStorage = (available = true): SafeStorageLike => ({
  isEncryptionAvailable: () => available,
  encryptString: (plain) => Buffer.from([...Buffer.from(plain, 'utf8')].map((byte) => byte ^ 0x5a)),
  decryptString: (encrypted) => Buffer.from([...encrypted].map((byte) => byte ^ 0x5a)).toString('utf8'),
});

describe('desktop credentials (safeStorage)', () => {
  it('stores credentials encrypted and reads them back; nothing in plain text', () => {
    const saved = new Map<string, unknown>();
    const store = { get: (key: string) => saved.get(key), set: (key: string, value: unknown) => saved.set(key, value) };
    const credentials = new SafeStorageCredentials(fakeSafeStorage(), store);
    credentials.save({
      stripeSecretKey: 'sk_test_51AbcDefGhiJklMno1234',
      stripeWebhookSecret: 'whsec_abcdefghijkl9876',
    });
    credentials.save({ smtpUrl: 'smtps://user:pass@mail.example.com' });
    expect(JSON.stringify([...saved.values()])).not.toContain('sk_test_51');
    expect(JSON.stringify([...saved.values()])).not.toContain('pass@');
    expect(credentials.load()).toEqual({
      stripeSecretKey: 'sk_test_51AbcDefGhiJklMno1234',
      stripeWebhookSecret: 'whsec_abcdefghijkl9876',
      smtpUrl: 'smtps://user:pass@mail.example.com',
    });
  });

  it('refuses to store without a keychain, and reads nothing from a corrupt blob', () => {
    const store = { get: () => 'not base64 json', set: () => undefined };
    expect(() =>
      new SafeStorageCredentials(fakeSafeStorage(false), store).save({ stripeSecretKey: 'sk_test_x' }),
    ).toThrow(/keychain/);
    expect(new SafeStorageCredentials(fakeSafeStorage(), store).load()).toEqual({});
  });

  it('secrets are only ever shown masked', () => {
    expect(maskSecret('sk_test_51AbcDefGhiJklMno1234')).toBe('sk_test_…1234');
    expect(maskSecret('whsec_abcdefghijkl9876')).toBe('whsec_…9876');
    expect(maskSecret('short')).toBe('••••');
    expect(maskSecret(undefined)).toBeNull();
  });
});
