import type { HttpAdapterHost } from '@nestjs/core';
import type { PassfortWebhooks } from '@passfort-webhooks/core';
import type { ConsoleOptions } from '@passfort-webhooks/core/console';
import {
  type ConnectMiddleware,
  consoleMiddleware,
  webhooksMiddleware,
} from '@passfort-webhooks/core/node';

/**
 * Mounts the receiver on the platform's own server, ahead of Nest: called while Nest creates
 * the app, before `init()` registers its body parsers (100 kB limit), so the webhook route reads
 * its body itself under the receiver's `maxBodyBytes`. It is not a Nest route: guards, pipes,
 * interceptors and exception filters do not apply, and a handler that throws follows the
 * receiver's rules (retry, dead letter), not an exception filter's. `setGlobalPrefix` does not
 * apply either: `path` is the full path.
 */
export async function mountRoute(
  host: HttpAdapterHost,
  webhooks: PassfortWebhooks,
  path: string,
  consoleOptions?: ConsoleOptions,
): Promise<true> {
  const adapter = host.httpAdapter;
  if (adapter === undefined) {
    throw new Error(
      'PassfortWebhooksModule needs an HTTP application (NestFactory.create), not a standalone context',
    );
  }
  const platform = adapter.getType();
  if (platform === 'express') {
    // The same middlewares the Express adapter mounts.
    const app = adapter.getInstance() as { use(handler: ConnectMiddleware): void };
    if (consoleOptions !== undefined) app.use(consoleMiddleware(webhooks, consoleOptions));
    app.use(webhooksMiddleware(webhooks, path));
    return true;
  }
  if (platform === 'fastify') {
    // Optional peer: only apps on the Fastify platform install it.
    const { passfortWebhooks, passfortConsole } = await import('@passfort-webhooks/fastify').catch(
      (error: unknown) => {
        throw new Error(
          'PassfortWebhooksModule on the Fastify platform needs @passfort-webhooks/fastify: npm install @passfort-webhooks/fastify',
          { cause: error },
        );
      },
    );
    const app = adapter.getInstance() as {
      register(plugin: unknown, options: unknown): unknown;
    };
    // Loaded with the app's other plugins when Nest readies Fastify.
    void app.register(passfortWebhooks, { webhooks, path });
    if (consoleOptions !== undefined)
      void app.register(passfortConsole, { webhooks, ...consoleOptions });
    return true;
  }
  throw new Error(
    `PassfortWebhooksModule supports the Express and Fastify platforms, not ${platform}`,
  );
}
