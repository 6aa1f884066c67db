import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BatchObserver } from './batcher.js';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
/**
 * The event-loop monitor's timer interval. Node's monitor records the time between two ticks of
 * that timer, so an idle loop reads this much: the delay proper is the figure minus it.
 */
export const EVENT_LOOP_RESOLUTION_MS = 10;

/**
 * Prometheus metrics of one model server: request counts and latencies, batch sizes, queue
 * depth, inference time, and Node's own (event-loop delay among them) from prom-client.
 */
export class ServingMetrics {
  readonly registry = new Registry();
  /** Each served version's queue, read when the metrics are scraped rather than set on every request. */
  private readonly queues = new Map<string, { labels: { model: string; version: string }; depth: () => number }>();
  private readonly requests = new Counter({
    name: 'trove_serving_requests_total',
    help: 'HTTP requests answered, by route, model and status code',
    labelNames: ['route', 'model', 'code'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'trove_serving_request_duration_seconds',
    help: 'Time from request to response, by route and model',
    labelNames: ['route', 'model'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly batchRows = new Histogram({
    name: 'trove_serving_batch_rows',
    help: 'Rows per tensor call',
    labelNames: ['model', 'version'] as const,
    buckets: BATCH_BUCKETS,
    registers: [this.registry],
  });
  private readonly inference = new Histogram({
    name: 'trove_serving_inference_duration_seconds',
    help: 'Preprocessing plus predict time of one batch, measured in the inference thread',
    labelNames: ['model', 'version'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly queueDepth: Gauge<'model' | 'version'> = new Gauge({
    name: 'trove_serving_queue_rows',
    help: 'Rows waiting for a batch',
    labelNames: ['model', 'version'] as const,
    registers: [this.registry],
    collect: () => {
      for (const { labels, depth } of this.queues.values()) this.queueDepth.set(labels, depth());
    },
  });
  private readonly rejected = new Counter({
    name: 'trove_serving_rejected_total',
    help: 'Requests turned away because the queue was full',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  private readonly loaded = new Gauge({
    name: 'trove_serving_model_version_loaded',
    help: '1 for every model version being served',
    labelNames: ['model', 'version'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'trove_serving_', eventLoopMonitoringPrecision: EVENT_LOOP_RESOLUTION_MS });
  }

  observeRequest(route: string, model: string, code: number, seconds: number): void {
    this.requests.inc({ route, model, code: String(code) });
    this.latency.observe({ route, model }, seconds);
  }

  observeRejected(model: string): void {
    this.rejected.inc({ model });
  }

  /** A version starts or stops being served; while served, `queueDepth` tells its waiting rows. */
  versionLoaded(model: string, version: number, queueDepth: (() => number) | null): void {
    const labels = { model, version: String(version) };
    const key = `${model}/${version}`;
    if (queueDepth) {
      this.loaded.set(labels, 1);
      this.queues.set(key, { labels, depth: queueDepth });
    } else {
      this.loaded.remove(labels);
      this.queues.delete(key);
      this.queueDepth.remove(labels);
    }
  }

  batchObserver(model: string, version: number): BatchObserver {
    const labels = { model, version: String(version) };
    return {
      onBatch: (rows, inferenceMs) => {
        this.batchRows.observe(labels, rows);
        this.inference.observe(labels, inferenceMs / 1000);
      },
    };
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
