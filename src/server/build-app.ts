import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Engine } from '../engine.ts';
import type { EmbeddedEngineOptions } from '../presets.ts';
import { FileThreads } from './file-threads/file-threads.ts';
import { JobRunner } from './job-runner.ts';
import { installAuth } from './plugins/auth.ts';
import { installErrorHandler } from './plugins/error-handler.ts';
import { registerMetrics } from './plugins/metrics.ts';
import { registerOpenApi } from './plugins/openapi.ts';
import { activityRoute } from './routes/activity-route.ts';
import { checkpointRoutes } from './routes/checkpoint-routes.ts';
import { controlRoutes, deleteJobRoute } from './routes/control-routes.ts';
import { dashboardRoute } from './routes/dashboard-route.ts';
import { exportRoute } from './routes/export-route.ts';
import { healthRoutes } from './routes/health-routes.ts';
import { mapRoute } from './routes/map-route.ts';
import { reportRoutes } from './routes/report-routes.ts';
import { statusRoutes } from './routes/status-routes.ts';
import { taskRoutes } from './routes/task-routes.ts';
import { translateRoute } from './routes/translate-route.ts';
import { uploadRoute } from './routes/upload-route.ts';
import { workersRoute } from './routes/workers-route.ts';
import type { ServerContext } from './server-context.ts';
import { TokenTable } from './server-security.ts';
import { StatusReads } from './status-reads.ts';
import { UploadStore } from './upload-store.ts';

export interface AppOptions {
  engine: Engine;
  /**
   * How `engine` was made (presets.ts createEmbeddedEngine): a file thread storing a job opens its
   * own engine on the same store with these (an in-memory SQLite store cannot be shared so).
   */
  engineOptions: EmbeddedEngineOptions;
  /** `<db>.files`, where the engine keeps sources: uploads, outputs and exports go beside them. */
  filesDir: string;
  /** Bearer tokens → tenants; empty: no authentication (only ever on loopback: see assertBindable). */
  tokens?: TokenTable;
  /** Requests per second per token; default 200; 0: unlimited. */
  requestsPerSecond?: number;
  /** fastify's logger option; default off. Authorization headers are redacted either way. */
  logger?: FastifyServerOptions['logger'];
}

/**
 * The HTTP app, apart from `listen` (tests go through `inject` or port 0). Closing it stops the
 * background jobs (leases handed back, state stored) before the engine's store is left alone;
 * closing the store is the caller's business, since it owns the engine.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    // Unknown properties are a 400 naming them, not silently dropped (fastify's default).
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
    bodyLimit: 1024 * 1024,
  });
  const ctx = await createContext(app, options);
  installErrorHandler(app);
  installAuth(app, { tokens: options.tokens ?? new TokenTable(new Map()), requestsPerSecond: options.requestsPerSecond ?? 200 });
  await registerOpenApi(app);
  // One file per request; its own size limit is checked per upload against the config.
  await app.register(multipart, { limits: { files: 1, fields: 10, parts: 11 } });
  registerMetrics(app, ctx.engine, ctx.runner, ctx.threads);
  for (const routes of [healthRoutes, uploadRoute, translateRoute, mapRoute, statusRoutes, taskRoutes, exportRoute, controlRoutes, deleteJobRoute, checkpointRoutes, reportRoutes, activityRoute, workersRoute, dashboardRoute]) await app.register(routes, { ctx });
  app.addHook('onClose', async () => {
    await ctx.threads.close();
    await ctx.runner.close();
  });
  return app;
}

async function createContext(app: FastifyInstance, options: AppOptions): Promise<ServerContext> {
  const { filesDir, engine } = options;
  const { server, system } = engine.config;
  await Promise.all(['uploads', 'outputs', 'exports'].map((dir) => mkdir(path.join(filesDir, dir), { recursive: true })));
  return {
    engine,
    runner: new JobRunner(engine, app.log),
    uploads: new UploadStore(path.join(filesDir, 'uploads'), engine.store, engine.files),
    filesDir,
    reads: new StatusReads(engine.store),
    threads: new FileThreads({
      threads: server.file_threads,
      perTenant: server.file_threads_per_tenant,
      queuePerTenant: server.file_queue_per_tenant,
      setup: { engine: options.engineOptions },
      maxMemoryMb: system.max_memory_usage,
    }),
  };
}
