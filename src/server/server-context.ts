import type { Engine } from '../engine.ts';
import type { FileThreads } from './file-threads/file-threads.ts';
import type { JobRunner } from './job-runner.ts';
import type { StatusReads } from './status-reads.ts';
import type { UploadStore } from './upload-store.ts';

/** What every route plugin gets: the shared engine and the server's own parts. */
export interface ServerContext {
  engine: Engine;
  runner: JobRunner;
  uploads: UploadStore;
  /** `<db>.files`: uploads, API outputs and temporary exports live under it. */
  filesDir: string;
  /** Status polls read the task table through this: a few aggregate reads per job per second at most. */
  reads: StatusReads;
  /** Where uploads are read and jobs stored: worker threads off the event loop, bounded per server and tenant. */
  threads: FileThreads;
}

/** Options of a route plugin. */
export interface RouteOptions {
  ctx: ServerContext;
}
