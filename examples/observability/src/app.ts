/**
 * An Express app whose Passfort receiver is instrumented with OpenTelemetry, exporting the
 * metrics in Prometheus format on GET /metrics (and its status on GET /webhooks/passfort for
 * callers presenting the secret).
 */
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { createPassfortWebhooks, type Logger } from '@passfort-webhooks/core';
import { openTelemetryInstrumentation } from '@passfort-webhooks/core/otel';
import { passfortWebhooks } from '@passfort-webhooks/express';
import express from 'express';

export function createApp(secret: string, logger?: Logger) {
  // Served by our own route below rather than by the exporter's own HTTP server.
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  const webhooks = createPassfortWebhooks({
    secret,
    exposeStatus: true,
    ...(logger === undefined ? {} : { logger }),
    instrumentation: openTelemetryInstrumentation({
      meter: meterProvider.getMeter('passfort-webhooks'),
    }),
  });
  webhooks.on('CHECK_COMPLETED', async () => {
    // fetch the check's results here
  });
  webhooks.on('PRODUCT_STATUS_CHANGED', (event) => {
    if (event.data.application_id === 'app-broken') throw new Error('cannot map this application');
  });

  const app = express();
  app.get('/metrics', (req, res) => exporter.getMetricsRequestHandler(req, res));
  app.use(passfortWebhooks(webhooks, { path: '/webhooks/passfort' }));
  return { app, webhooks, shutdown: () => meterProvider.shutdown() };
}
