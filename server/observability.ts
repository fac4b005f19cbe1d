import type { ApolloServerPlugin } from '@apollo/server';
import { pino, type Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { jobCounts } from '../warehouse/jobsRepo.js';
import type { Warehouse } from '../warehouse/Warehouse.js';
import type { HeavyGate } from './heavyGate.js';
import { operationLabel } from './knownOperations.js';

/** A CortexError's code (resolver errors reach plugins before formatError names them). */
function codeOf(error: unknown): string | undefined {
  return error && typeof error === 'object' && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/** Requests slower than this are logged at info level (others at debug). */
const SLOW_REQUEST_SECONDS = 1;

/** Structured JSON logs (pino); `CORTEXQL_LOG_LEVEL` sets the level (default info, silent in tests). */
export function createLogger(level = process.env.CORTEXQL_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info')): Logger {
  return pino({ name: 'cortexql', level });
}

/** Error codes the server emits get their own label; anything else counts as OTHER (labels stay a closed set). */
const CODE_LABEL = /^[A-Z][A-Z_]{1,39}$/;

/**
 * Prometheus metrics of one server: request latency by operation, errors by code, refusals at
 * the HTTP edge, warehouse state. Every label comes from a closed set (knownOperations.ts), so
 * the scrape does not grow with what clients send.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly requestSeconds = new Histogram({
    name: 'cortexql_graphql_request_duration_seconds',
    help: 'GraphQL request latency by operation (a known operation name, other or anonymous) and type',
    labelNames: ['operation', 'type'] as const,
    buckets: [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'cortexql_graphql_errors_total',
    help: 'GraphQL errors by extensions.code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly refused = new Counter({
    name: 'cortexql_http_refused_total',
    help: 'Requests refused at the HTTP edge (before GraphQL), by code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  constructor(wh: Warehouse, heavy: HeavyGate) {
    collectDefaultMetrics({ register: this.registry, prefix: 'cortexql_' });
    new Gauge({
      name: 'cortexql_expensive_requests',
      help: 'Expensive requests (cost at least a tenth of the ceiling) executing or waiting for their turn',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        this.set({ state: 'executing' }, heavy.executing);
        this.set({ state: 'waiting' }, heavy.waiting);
      },
    });
    new Gauge({
      name: 'cortexql_warehouse_data_version',
      help: 'Committed writes since the warehouse was opened',
      registers: [this.registry],
      collect() {
        this.set(wh.dataVersion);
      },
    });
    new Gauge({
      name: 'cortexql_jobs',
      help: 'Compute jobs in the warehouse by status',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const row of await jobCounts(wh)) {
          this.set({ status: row.status }, row.n);
        }
      },
    });
  }

  /** Apollo plugin: times each request by operation and counts errors by code; logs slow or failed ones at info, all at debug. */
  plugin(log: Logger): ApolloServerPlugin {
    const metrics = this;
    return {
      async requestDidStart() {
        const start = process.hrtime.bigint();
        const codes: string[] = [];
        return {
          async didEncounterErrors({ errors }) {
            for (const e of errors) codes.push(String(e.extensions?.code ?? codeOf(e.originalError) ?? 'INTERNAL_SERVER_ERROR'));
          },
          async willSendResponse({ operationName, operation }) {
            const seconds = Number(process.hrtime.bigint() - start) / 1e9;
            const labels = { operation: operationLabel(operationName), type: operation?.operation ?? 'unknown' };
            metrics.requestSeconds.observe(labels, seconds);
            for (const code of codes) metrics.errors.inc({ code: errorCodeLabel(code) });
            // One line per request only at debug: at info level, logging every request costs
            // more than serving a cached one. Slow and failed requests are logged at info.
            const level = codes.length > 0 || seconds >= SLOW_REQUEST_SECONDS ? 'info' : 'debug';
            log[level]({ ...labels, name: operationName?.slice(0, 80), ms: Math.round(seconds * 1000), errors: codes.length ? codes : undefined }, 'graphql request');
          },
        };
      },
    };
  }
}

export function errorCodeLabel(code: string): string {
  return CODE_LABEL.test(code) ? code : 'OTHER';
}
