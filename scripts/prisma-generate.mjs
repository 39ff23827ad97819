// `prisma generate` needs PRISMA_SCHEMA_ENGINE_BINARY to point at an existing file, because the CLI
// cannot download its native schema engine here; generation itself never runs that engine.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const prismaCli = require.resolve('prisma/build/index.js');
const result = spawnSync(process.execPath, [prismaCli, 'generate'], {
  stdio: ['ignore', 'pipe', 'pipe'],
  encoding: 'utf8',
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  },
});
if (result.status !== 0) {
  console.error(`prisma generate failed:\n${result.stdout}${result.stderr}`);
  process.exit(result.status ?? 1);
}
