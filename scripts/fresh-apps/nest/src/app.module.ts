// The README's AppModule (packages/nestjs/README.md) in the app `nest new` made, beside its
// own controller and a health route the adapter kit asks for.
import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { PassfortWebhooksModule } from '@passfort-webhooks/nestjs';
import { AppController } from './app.controller.js';
import { AppService } from './app.service.js';
import { Checks } from './checks.js';
import { HealthController } from './health.controller.js';

@Module({
  imports: [
    ConfigModule.forRoot(),
    PassfortWebhooksModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        secret: config.getOrThrow<string>('PASSFORT_WEBHOOK_SECRET'),
        path: '/webhooks/passfort',
      }),
    }),
  ],
  controllers: [AppController, HealthController],
  providers: [AppService, Checks],
})
export class AppModule {}
