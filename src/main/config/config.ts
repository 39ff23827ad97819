import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { DatabaseTarget } from '../db/database';

/** Where the embedded database and settings live when nothing else is said (the OS's app-data folder). */
export function defaultDataDir(platform = process.platform, env = process.env, home = os.homedir()): string {
  if (platform === 'win32') return path.join(env['APPDATA'] ?? path.join(home, 'AppData', 'Roaming'), 'LinguaFlex Ops');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'LinguaFlex Ops');
  return path.join(env['XDG_CONFIG_HOME'] ?? path.join(home, '.config'), 'linguaflex-ops');
}

export interface AppConfig {
  readonly dataDir: string;
  readonly database: DatabaseTarget;
  readonly firstAdmin: { readonly email: string; readonly password: string } | null;
}

const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .trim()
    .refine((value) => /^postgres(ql)?:\/\//.test(value), 'DATABASE_URL must start with postgres:// or postgresql://')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  LINGUAFLEX_DATA_DIR: z.string().trim().min(1).optional(),
  LINGUAFLEX_ADMIN_EMAIL: z.email('LINGUAFLEX_ADMIN_EMAIL must be an email address').optional(),
  LINGUAFLEX_ADMIN_PASSWORD: z.string().min(10, 'LINGUAFLEX_ADMIN_PASSWORD must be at least 10 characters').optional(),
});

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads `--name value` or `--name=value` from argv. */
export function argValue(argv: readonly string[], name: string): string | undefined {
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (arg === `--${name}`) {
      const next = argv[index + 1];
      if (next === undefined || next.startsWith('--')) throw new ConfigError(`--${name} needs a value`);
      return next;
    }
    if (arg?.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return undefined;
}

export function loadConfig(
  argv: readonly string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(`Configuration error: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
  }
  const vars = parsed.data;
  const dataDir = path.resolve(argValue(argv, 'data-dir') ?? vars.LINGUAFLEX_DATA_DIR ?? defaultDataDir());
  const database: DatabaseTarget = vars.DATABASE_URL
    ? { kind: 'postgres', url: vars.DATABASE_URL }
    : { kind: 'pglite', dataDir: path.join(dataDir, 'db') };
  if (Boolean(vars.LINGUAFLEX_ADMIN_EMAIL) !== Boolean(vars.LINGUAFLEX_ADMIN_PASSWORD)) {
    throw new ConfigError('Set both LINGUAFLEX_ADMIN_EMAIL and LINGUAFLEX_ADMIN_PASSWORD, or neither');
  }
  const firstAdmin =
    vars.LINGUAFLEX_ADMIN_EMAIL && vars.LINGUAFLEX_ADMIN_PASSWORD
      ? { email: vars.LINGUAFLEX_ADMIN_EMAIL.toLowerCase(), password: vars.LINGUAFLEX_ADMIN_PASSWORD }
      : null;
  return { dataDir, database, firstAdmin };
}
