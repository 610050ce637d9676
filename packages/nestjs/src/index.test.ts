import 'reflect-metadata';
import {
  type ArgumentsHost,
  Catch,
  Controller,
  type ExceptionFilter,
  Get,
  Header,
  type INestApplication,
  Injectable,
  Module,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type {
  AnyPassfortEvent,
  PassfortEvent,
  PassfortWebhooks,
  WebhookContext,
} from '@passfort-webhooks/core';
import {
  type AdapterTarget,
  adapterConformanceCases,
  consoleMountCases,
  httpRequest,
  KIT_SECRET,
  kitBatch,
  kitHeaders,
  kitWebhook,
  kitWebhookId,
} from '@passfort-webhooks/testing/conformance';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  InjectPassfortWebhooks,
  OnAnyPassfortEvent,
  OnPassfortEvent,
  PassfortWebhooksModule,
  type PassfortWebhooksModuleOptions,
} from './index.js';
import type { CheckedEventName } from './on-passfort-event.js';

type Platform = 'express' | 'fastify';

/** An app-wide exception filter: it must never see a webhook handler's failure. */
@Catch()
class TeapotFilter implements ExceptionFilter {
  catch(_error: unknown, host: ArgumentsHost) {
    const response = host.switchToHttp().getResponse();
    if (typeof response.status === 'function') response.status(418).send?.('filtered');
    else response.code(418).send('filtered');
  }
}

async function startNest(platform: Platform, module: unknown) {
  const app: INestApplication = await NestFactory.create(
    module as never,
    platform === 'express' ? new ExpressAdapter() : new FastifyAdapter(),
    { logger: false },
  );
  app.useGlobalFilters(new TeapotFilter());
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${address.port}` };
}

@Controller()
class HealthController {
  @Get('health')
  @Header('content-type', 'text/plain')
  health() {
    return 'ok';
  }
}

/** An app module: a controller of its own beside the webhook module, and `providers`. */
function appModule(imports: unknown[], providers: unknown[] = []) {
  @Module({
    imports: imports as never[],
    controllers: [HealthController],
    providers: providers as never[],
  })
  class AppModule {}
  return AppModule;
}

const forRoot = (options: PassfortWebhooksModuleOptions) => PassfortWebhooksModule.forRoot(options);

/** Handlers as an app writes them: decorated methods of injectable providers. */
@Injectable()
class ApplicationStatuses {
  readonly seen: string[] = [];
  @OnPassfortEvent('PRODUCT_STATUS_CHANGED')
  async onStatus(event: PassfortEvent<'PRODUCT_STATUS_CHANGED'>, ctx: WebhookContext) {
    this.seen.push(`status:${event.data.new_status}:${ctx.index}`);
    if (event.id === kitWebhookId(99)) throw new Error('the application service is down');
  }
  @OnAnyPassfortEvent()
  audit(event: AnyPassfortEvent) {
    this.seen.push(`any:${event.event}`);
  }
}

@Injectable()
class StatusReader {
  constructor(@InjectPassfortWebhooks() readonly webhooks: PassfortWebhooks) {}
}

/** What a ConfigService would give; a module of its own, as ConfigModule is. */
const CONFIG = Symbol('config');
@Module({ providers: [{ provide: CONFIG, useValue: { secret: KIT_SECRET } }], exports: [CONFIG] })
class ConfigModule {}

for (const platform of ['express', 'fastify'] as const) {
  const target: AdapterTarget = {
    async start(webhooks) {
      const { app, url } = await startNest(
        platform,
        appModule([forRoot({ webhooks, path: '/webhooks/passfort' })]),
      );
      return { url, close: () => app.close() };
    },
  };
  describe(`Nest on the ${platform} platform: PassfortWebhooksModule.forRoot({ webhooks }) (the public adapter kit)`, () => {
    for (const check of adapterConformanceCases(target)) it(check.name, check.run);
  });

  describe(`Nest on the ${platform} platform: forRoot({ console: { token, path } }) (the console kit)`, () => {
    const cases = consoleMountCases({
      async start(webhooks, token) {
        const { app, url } = await startNest(
          platform,
          appModule([
            forRoot({ webhooks, path: '/webhooks/passfort', console: { token, path: '/console' } }),
          ]),
        );
        return { url, close: () => app.close() };
      },
    });
    for (const check of cases) it(check.name, check.run);
  });

  describe(`Nest on the ${platform} platform: decorated handlers, forRootAsync, injection`, () => {
    it('runs @OnPassfortEvent and @OnAnyPassfortEvent methods, in order, with the receiver injectable', async () => {
      const module = appModule(
        [
          PassfortWebhooksModule.forRootAsync({
            imports: [ConfigModule],
            inject: [CONFIG],
            useFactory: (config: { secret: string }) => ({
              secret: config.secret,
              logger: false,
              path: '/hooks/passfort',
            }),
          }),
        ],
        [ApplicationStatuses, StatusReader],
      );
      const { app, url } = await startNest(platform, module);
      try {
        const res = await httpRequest(`${url}/hooks/passfort`, {
          method: 'POST',
          headers: kitHeaders(),
          body: JSON.stringify(kitBatch(2)),
        });
        expect(res.status).toBe(200);
        const statuses = app.get(ApplicationStatuses);
        expect(statuses.seen).toEqual([
          'status:APPROVED:0',
          'any:PRODUCT_STATUS_CHANGED',
          'status:APPROVED:1',
          'any:PRODUCT_STATUS_CHANGED',
        ]);
        // A handler that throws follows the receiver's rules (500, retried), not the app's filter.
        const failed = await httpRequest(`${url}/hooks/passfort`, {
          method: 'POST',
          headers: kitHeaders(),
          body: JSON.stringify(kitWebhook(kitWebhookId(99))),
        });
        expect(failed.status).toBe(500);
        expect(failed.json).toMatchObject({ error: { code: 'HANDLER_FAILED' } });
        const status = await app.get(StatusReader).webhooks.status();
        expect(status.recentFailures.map((failure) => failure.id)).toEqual([kitWebhookId(99)]);
      } finally {
        await app.close();
      }
    });
  });
}

describe('logs through Nest', () => {
  it('the receiver’s warnings are one Nest Logger line each, context PassfortWebhooks, and the route is in the mapped list', async () => {
    const lines: { level: string; message: string; context: unknown }[] = [];
    const record =
      (level: string) =>
      (message: unknown, ...rest: unknown[]) =>
        void lines.push({ level, message: String(message), context: rest.at(-1) });
    const logger = {
      log: record('log'),
      warn: record('warn'),
      error: record('error'),
      debug: record('debug'),
      verbose: record('verbose'),
    };
    // No `logger` option: the module hands the receiver Nest's Logger.
    const module = appModule([forRoot({ secret: KIT_SECRET, path: '/webhooks/passfort' })]);
    const app = await NestFactory.create(module as never, new ExpressAdapter(), { logger });
    await app.listen(0, '127.0.0.1');
    try {
      const { port } = app.getHttpServer().address() as { port: number };
      const refused = await httpRequest(`http://127.0.0.1:${port}/webhooks/passfort`, {
        method: 'POST',
        headers: { ...kitHeaders(), authorization: 'Bearer wrong-secret' },
        body: JSON.stringify(kitBatch(1)),
      });
      expect(refused.status).toBe(401);
      expect(lines).toContainEqual({
        level: 'log',
        message: 'Mapped {/webhooks/passfort, POST} route',
        context: 'RouterExplorer',
      });
      const ours = lines.filter((line) => line.context === 'PassfortWebhooks');
      expect(ours).toHaveLength(1);
      expect(ours[0]?.level).toBe('warn');
      expect(ours[0]?.message).toMatch(/^webhook request refused \{.*"errorCode":"UNAUTHORIZED"/);
      expect(ours[0]?.message).not.toContain('\n');
    } finally {
      await app.close();
    }
  });

  it('refuses a misspelt receiver option at start-up', async () => {
    const module = appModule([forRoot({ secret: KIT_SECRET, maxAtempts: 3 } as never)]);
    await expect(
      NestFactory.create(module as never, { logger: false, abortOnError: false }),
    ).rejects.toThrow('did you mean "maxAttempts"?');
  });
});

describe('@OnPassfortEvent typing', () => {
  it('names a wrong event name in the error instead of listing every event', () => {
    class Misspelt {
      // @ts-expect-error Not a Passfort event name: CHECK_COMPLETD (see the type test below)
      @OnPassfortEvent('CHECK_COMPLETD')
      onCheck(_event: PassfortEvent<'CHECK_COMPLETED'>) {}
    }
    type Message = CheckedEventName<'CHECK_COMPLETD'>;
    expectTypeOf<Message>().toEqualTypeOf<'Not a Passfort event name: CHECK_COMPLETD. @OnAnyPassfortEvent() receives the events this version does not know'>();
    expectTypeOf<CheckedEventName<'CHECK_COMPLETED'>>().toEqualTypeOf<'CHECK_COMPLETED'>();
    expect(Misspelt).toBeDefined();
  });

  it('accepts a list of documented events, the handler typed for each', () => {
    class Risk {
      @OnPassfortEvent(['RISK_LEVEL_CHANGED', 'RISK_SCORE_CHANGED'])
      onRisk(event: PassfortEvent<'RISK_LEVEL_CHANGED' | 'RISK_SCORE_CHANGED'>) {
        return event.data.profile_id;
      }
    }
    expect(Risk).toBeDefined();
  });

  it('refuses a method whose event does not fit the decorator', () => {
    class Wrong {
      // @ts-expect-error a CHECK_COMPLETED handler cannot take a PRODUCT_STATUS_CHANGED event
      @OnPassfortEvent('PRODUCT_STATUS_CHANGED')
      onCheck(_event: PassfortEvent<'CHECK_COMPLETED'>) {}
    }
    expect(Wrong).toBeDefined();
  });
});
