import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { AnyWebhookHandler, PassfortWebhooks } from '@passfort-webhooks/core';
import { HANDLER_METADATA, type HandlerMetadata } from './on-passfort-event.js';
import { MODULE_OPTIONS, PASSFORT_WEBHOOKS } from './tokens.js';

/**
 * Finds the methods decorated with `@OnPassfortEvent` / `@OnAnyPassfortEvent` on every provider
 * at bootstrap and registers them on the receiver; closes a receiver the module created when
 * the app closes.
 */
@Injectable()
export class PassfortHandlerExplorer implements OnModuleInit, OnModuleDestroy {
  readonly #logger = new Logger('PassfortWebhooks');

  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(PASSFORT_WEBHOOKS) private readonly webhooks: PassfortWebhooks,
    @Inject(MODULE_OPTIONS)
    private readonly options: { webhooks?: PassfortWebhooks; path?: string },
  ) {}

  onModuleInit(): void {
    // Nest lists its routes as it registers them, just before this hook; the webhook route is
    // mounted on the platform rather than as a controller, so it is listed here, the same way.
    const path = this.options.path ?? '/webhooks/passfort';
    new Logger('RoutesResolver').log(`PassfortWebhooksModule {${path}}:`);
    new Logger('RouterExplorer').log(`Mapped {${path}, POST} route`);
    for (const wrapper of this.discovery.getProviders()) {
      const { instance } = wrapper;
      if (instance === null || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance) as object | null;
      if (prototype === null) continue;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const method = (instance as Record<string, unknown>)[name];
        if (typeof method !== 'function') continue;
        const metadata = this.reflector.get<HandlerMetadata | undefined>(HANDLER_METADATA, method);
        if (metadata === undefined) continue;
        if (!wrapper.isDependencyTreeStatic()) {
          this.#logger.warn(
            `${wrapper.name}.${name} is on a request-scoped provider; webhook handlers need a singleton, so it was not registered`,
          );
          continue;
        }
        const handler = method.bind(instance) as AnyWebhookHandler;
        if (metadata.events === '*') this.webhooks.onAny(handler);
        else this.webhooks.on(metadata.events, handler as never);
      }
    }
  }

  async onModuleDestroy(): Promise<void> {
    if (this.options.webhooks === undefined) await this.webhooks.close();
  }
}
