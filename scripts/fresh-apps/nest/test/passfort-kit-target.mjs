// The adapter kit's target in the fresh Nest app, written as the app's own e2e test would: the
// app's controllers beside PassfortWebhooksModule.forRoot({ webhooks }) with the kit's receiver.
// Every import resolves from the app's node_modules (the packed tarballs and npm's Nest).
import 'reflect-metadata';
import { createRequire } from 'node:module';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PassfortWebhooksModule } from '@passfort-webhooks/nestjs';
import { adapterConformanceCases } from '@passfort-webhooks/testing/conformance';
import { AppController } from '../dist/app.controller.js';
import { AppService } from '../dist/app.service.js';
import { HealthController } from '../dist/health.controller.js';

const require = createRequire(import.meta.url);
/** Where the adapter and the kit were loaded from, for the test to check. */
export const loadedFrom = [
  require.resolve('@passfort-webhooks/nestjs'),
  require.resolve('@passfort-webhooks/testing/conformance'),
  require.resolve('@nestjs/core'),
];

export const cases = adapterConformanceCases({
  async start(webhooks) {
    class KitAppModule {}
    Module({
      imports: [PassfortWebhooksModule.forRoot({ webhooks, path: '/webhooks/passfort' })],
      controllers: [AppController, HealthController],
      providers: [AppService],
    })(KitAppModule);
    const app = await NestFactory.create(KitAppModule, { logger: false, abortOnError: false });
    await app.listen(0, '127.0.0.1');
    return {
      url: `http://127.0.0.1:${app.getHttpServer().address().port}`,
      close: () => app.close(),
    };
  },
});
