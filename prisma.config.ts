// Used only by `prisma generate`. Migrations run through scripts/migrate.ts (schema-engine-wasm),
// because the CLI's native schema engine cannot be downloaded here.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
});
