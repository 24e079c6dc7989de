import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per app instance, so tests can run several servers in one process. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests by route, method and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.025, 0.1, 0.5, 2, 10, 60],
      registers: [registry],
    }),
    uploadsCreated: new Counter({ name: 'uploads_created_total', help: 'tus uploads created', registers: [registry] }),
    uploadsFinished: new Counter({ name: 'uploads_finished_total', help: 'tus uploads completed', registers: [registry] }),
    uploadsTerminated: new Counter({ name: 'uploads_terminated_total', help: 'tus uploads terminated by clients', registers: [registry] }),
    uploadsExpired: new Counter({ name: 'uploads_expired_total', help: 'unfinished uploads removed after expiry', registers: [registry] }),
    bytesReceived: new Counter({ name: 'upload_bytes_received_total', help: 'upload bytes written to storage', registers: [registry] }),
    activeUploads: new Gauge({ name: 'uploads_active', help: 'upload requests currently streaming data', registers: [registry] }),
    eventsPublished: new Counter({ name: 'events_published_total', help: 'events confirmed by the queue', labelNames: ['type'] as const, registers: [registry] }),
    outboxDepth: new Gauge({ name: 'outbox_depth', help: 'events recorded but not yet confirmed by the queue', labelNames: ['outbox'] as const, registers: [registry] }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
