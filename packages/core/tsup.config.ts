import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

export default defineConfig(
  packageBuild(
    {
      index: 'src/index.ts',
      node: 'src/node/index.ts',
      redis: 'src/redis/index.ts',
      postgres: 'src/postgres/index.ts',
      mysql: 'src/mysql/index.ts',
      sqlite: 'src/sqlite/index.ts',
      d1: 'src/d1/index.ts',
      bullmq: 'src/bullmq/index.ts',
      client: 'src/client/index.ts',
      otel: 'src/otel/index.ts',
      console: 'src/console/index.ts',
      sync: 'src/sync/index.ts',
      store: 'src/store/index.ts',
      adapter: 'src/adapter/index.ts',
      instrumentation: 'src/instrumentation/index.ts',
    },
    // The main entry must stay runtime-neutral; only the ./node entry may touch node: modules.
    {
      platform: 'neutral',
      external: [
        /^node:/,
        /^bun:/,
        'ioredis',
        'pg',
        'mysql2',
        'bullmq',
        '@opentelemetry/api',
        '@libsql/client',
        'better-sqlite3',
      ],
    },
  ),
);
