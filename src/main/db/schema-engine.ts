import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import type {
  ApplyMigrationsOutput,
  DiagnoseMigrationHistoryOutput,
  MigrationList,
  SchemaEngine,
} from '@prisma/schema-engine-wasm';

/**
 * Prisma's schema engine compiled to WebAssembly, driven directly because the CLI's native engine
 * cannot be downloaded here. Node 20 cannot `import` a .wasm module, so we instantiate it ourselves,
 * and we unref the engine's timers, which would otherwise keep the process alive for ~10 s.
 */
type WasmExports = Record<string, unknown>;
type BgModule = typeof import('@prisma/schema-engine-wasm/schema_engine_bg') & {
  __wbg_set_wasm(exports: WasmExports): void;
};

/** The part of the WebAssembly global we use (its types are not in @types/node 20). */
interface WasmApi {
  instantiate(
    bytes: Uint8Array,
    imports: Record<string, Record<string, unknown>>,
  ): Promise<{ instance: { exports: WasmExports } }>;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let loaded: Promise<BgModule> | undefined;

async function loadEngineModule(): Promise<BgModule> {
  const require = createRequire(import.meta.url);
  const packageDir = path.dirname(require.resolve('@prisma/schema-engine-wasm'));
  const bg = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as BgModule;
  const imports: Record<string, unknown> = { ...bg };
  for (const name of Object.keys(imports)) {
    if (name.startsWith('__wbg_setTimeout_')) {
      imports[name] = (callback: () => void, ms: number) => {
        const timer = setTimeout(callback, ms >>> 0);
        timer.unref();
        return timer;
      };
    }
  }
  const bytes = await readFile(path.join(packageDir, 'schema_engine_bg.wasm'));
  const { instance } = await wasmApi.instantiate(bytes, { './schema_engine_bg.js': imports });
  bg.__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start?: () => void }).__wbindgen_start?.();
  return bg;
}

export interface SchemaEngineHandle {
  readonly engine: SchemaEngine;
  /** Turns the engine's "External error id#N" into the database's own error message. */
  explain(error: unknown): Error;
  dispose(): void;
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

export async function openSchemaEngine(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  schemaFiles?: { path: string; content: string }[],
): Promise<SchemaEngineHandle> {
  loaded ??= loadEngineModule();
  const bg = await loaded;
  const errorCapturing = bindMigrationAwareSqlAdapterFactory(adapterFactory);
  const datamodels = schemaFiles?.map((file): [string, string] => [file.path, file.content]);
  // The wasm-bindgen factory returns a wrapped instance, which the linter cannot see through.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
  const engine: SchemaEngine = await bg.SchemaEngine.new({ datamodels }, () => undefined, errorCapturing);
  return {
    engine,
    explain: (error) => {
      const message = error instanceof Error ? error.message : String(error);
      const external = /External error id#(\d+)/.exec(message);
      const migration = /migration_name="([^"]+)"/.exec(message)?.[1];
      const record =
        external?.[1] !== undefined ? errorCapturing.errorRegistry.consumeError(Number(external[1])) : undefined;
      const cause = record?.error;
      const causeText =
        cause instanceof Error ? cause.message : cause !== undefined ? JSON.stringify(cause) : message.split('\n')[0];
      return new MigrationError(
        migration ? `Migration ${migration} failed: ${causeText ?? ''}` : `Schema engine: ${causeText ?? ''}`,
        { cause: error },
      );
    },
    dispose: () => engine.free(),
  };
}

/** Reads `prisma/migrations` into the engine's MigrationList shape (the same shape the Prisma CLI builds). */
export async function readMigrationsDirectory(migrationsDir: string): Promise<MigrationList> {
  const lockfilePath = path.join(migrationsDir, 'migration_lock.toml');
  const lockfileContent = await readFile(lockfilePath, 'utf8').catch(() => null);
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  });
  const directories = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => a.localeCompare(b));
  const migrationDirectories = await Promise.all(
    directories.map(async (name) => {
      const content = await readFile(path.join(migrationsDir, name, 'migration.sql'), 'utf8').then(
        (value) => ({ tag: 'ok' as const, value }),
        (error: unknown) => ({ tag: 'error' as const, value: error instanceof Error ? error.message : String(error) }),
      );
      return { path: name, migrationFile: { path: 'migration.sql', content } };
    }),
  );
  return {
    baseDir: migrationsDir,
    lockfile: { path: 'migration_lock.toml', content: lockfileContent },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

export type { ApplyMigrationsOutput, DiagnoseMigrationHistoryOutput, MigrationList };
