import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

export default defineConfig(
  packageBuild(
    {
      index: 'src/index.ts',
      node: 'src/node.ts',
      redis: 'src/redis.ts',
      postgres: 'src/postgres.ts',
      bullmq: 'src/bullmq.ts',
      client: 'src/client.ts',
      otel: 'src/otel.ts',
    },
    // The main entry must stay runtime-neutral; only the ./node entry may touch node: modules.
    { platform: 'neutral', external: [/^node:/, 'ioredis', 'pg', 'bullmq', '@opentelemetry/api'] },
  ),
);
