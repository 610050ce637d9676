import {
  type DynamicModule,
  type FactoryProvider,
  Module,
  type ModuleMetadata,
  type Provider,
} from '@nestjs/common';
import { DiscoveryModule, HttpAdapterHost } from '@nestjs/core';
import {
  createPassfortWebhooks,
  type PassfortWebhooks,
  type PassfortWebhooksOptions,
} from '@passfort-webhooks/core';
import { refuseUnknownOptions } from '@passfort-webhooks/core/adapter';
import type { ConsoleOptions } from '@passfort-webhooks/core/console';
import { PassfortHandlerExplorer } from './handler-explorer.js';
import { mountRoute } from './mount-route.js';
import { adoptNestLogger } from './nest-logger.js';
import { MODULE_OPTIONS, MOUNTED_ROUTE, PASSFORT_WEBHOOKS } from './tokens.js';

/**
 * Options of {@link PassfortWebhooksModule.forRoot}: the receiver's options (it is created
 * and closed by the module), or a receiver of your own as `webhooks`; and the route's `path`.
 */
export type PassfortWebhooksModuleOptions = {
  /** The full path of the webhook route (Nest's global prefix does not apply). @default '/webhooks/passfort' */
  path?: string;
  /**
   * Mounts the operator console too (off unless given), at its `path` (default `/console`).
   * @example { token: process.env.PASSFORT_CONSOLE_TOKEN!, path: '/console' }
   */
  console?: ConsoleOptions;
} & ({ webhooks: PassfortWebhooks } | PassfortWebhooksOptions);

/** Options of {@link PassfortWebhooksModule.forRootAsync}, as Nest's async modules take them. */
export interface PassfortWebhooksModuleAsyncOptions {
  /** Modules whose providers the factory injects, e.g. `ConfigModule`. */
  imports?: ModuleMetadata['imports'];
  /** What the factory receives, e.g. `[ConfigService]`. */
  inject?: FactoryProvider['inject'];
  useFactory(
    ...args: never[]
  ): PassfortWebhooksModuleOptions | Promise<PassfortWebhooksModuleOptions>;
}

/**
 * Receives Passfort webhooks in a Nest 10, 11 or 12 app on the Express or the Fastify platform.
 * Handlers are provider methods decorated with `@OnPassfortEvent(...)`; the receiver is
 * injectable anywhere (`@InjectPassfortWebhooks()`) for `status()` and dead letters. The route
 * reads its own body, so Nest's 100 kB body limit does not apply to it.
 *
 * @example
 * @Module({
 *   imports: [
 *     PassfortWebhooksModule.forRootAsync({
 *       imports: [ConfigModule],
 *       inject: [ConfigService],
 *       useFactory: (config: ConfigService) => ({ secret: config.getOrThrow('PASSFORT_WEBHOOK_SECRET') }),
 *     }),
 *   ],
 *   providers: [Checks],
 * })
 * export class AppModule {}
 */
@Module({})
export class PassfortWebhooksModule {
  /** The module with options known up front. */
  static forRoot(options: PassfortWebhooksModuleOptions): DynamicModule {
    return moduleWith([{ provide: MODULE_OPTIONS, useValue: options }]);
  }

  /** The module with options from a factory (e.g. `ConfigService`). */
  static forRootAsync(options: PassfortWebhooksModuleAsyncOptions): DynamicModule {
    const module = moduleWith([
      {
        provide: MODULE_OPTIONS,
        useFactory: options.useFactory as (...args: unknown[]) => unknown,
        inject: options.inject ?? [],
      },
    ]);
    return { ...module, imports: [...(module.imports ?? []), ...(options.imports ?? [])] };
  }
}

/** The module around its options provider: the receiver, its route, the handler explorer. */
function moduleWith(optionsProviders: Provider[]): DynamicModule {
  return {
    module: PassfortWebhooksModule,
    global: true,
    imports: [DiscoveryModule],
    providers: [
      ...optionsProviders,
      {
        provide: PASSFORT_WEBHOOKS,
        useFactory: (options: PassfortWebhooksModuleOptions) => {
          // The route's path and the console are the module's, not the receiver's.
          const {
            path: _path,
            console: _console,
            ...receiverOptions
          } = options as PassfortWebhooksOptions & { path?: string; console?: ConsoleOptions };
          let webhooks: PassfortWebhooks;
          if ('webhooks' in options && options.webhooks !== undefined) {
            // Beside a receiver of the app's own, its options would be ignored: refuse them.
            refuseUnknownOptions('PassfortWebhooksModule.forRoot', receiverOptions, {
              webhooks: true,
            });
            webhooks = options.webhooks;
          } else {
            webhooks = createPassfortWebhooks(receiverOptions);
          }
          // Nest's Logger, unless the app gave the receiver a logger (or `false`) itself.
          adoptNestLogger(webhooks);
          return webhooks;
        },
        inject: [MODULE_OPTIONS],
      },
      {
        provide: MOUNTED_ROUTE,
        useFactory: (
          host: HttpAdapterHost,
          webhooks: PassfortWebhooks,
          options: PassfortWebhooksModuleOptions,
        ) => mountRoute(host, webhooks, options.path ?? '/webhooks/passfort', options.console),
        inject: [HttpAdapterHost, PASSFORT_WEBHOOKS, MODULE_OPTIONS],
      },
      PassfortHandlerExplorer,
    ],
    exports: [PASSFORT_WEBHOOKS],
  };
}
