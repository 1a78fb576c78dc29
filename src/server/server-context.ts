import type { Engine } from '../engine.ts';
import type { JobRunner } from './job-runner.ts';
import type { UploadStore } from './upload-store.ts';

/** What every route plugin gets: the shared engine and the server's own parts. */
export interface ServerContext {
  engine: Engine;
  runner: JobRunner;
  uploads: UploadStore;
  /** `<db>.files`: uploads, API outputs and temporary exports live under it. */
  filesDir: string;
}

/** Options of a route plugin. */
export interface RouteOptions {
  ctx: ServerContext;
}
