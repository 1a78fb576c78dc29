import { EventEmitter, once } from 'node:events';

/** What the engine reports; the progress bar, metrics and dashboard all subscribe to these. */
export interface EngineEventMap {
  'batch:claimed': [{ jobId: string; batchId: string; workerId: string; items: number }];
  'batch:finished': [{ jobId: string; batchId: string; workerId: string }];
  /** Tasks (including duplicates fanned out) that reached a final state. */
  'tasks:settled': [{ jobId: string; completed: number; failed: number; uniqueItems: number }];
  /** `ms`: the call alone; `waitMs`: its wait at the limiter before it was sent (0 when unknown). */
  'call:done': [{ jobId: string; batchId: string; items: number; promptTokens: number; completionTokens: number; tokensEstimated?: boolean; ms: number; waitMs?: number; ok: boolean; endpoint?: string }];
  'call:error': [{ jobId: string; batchId: string; kind: string; message: string; retryInMs?: number; endpoint?: string; waitMs?: number }];
  /**
   * The adaptive controller changed a setting (workers, batch size); also stored as a job event.
   * `period`: the evaluation period of a control shared by every process on the endpoint (one per period).
   */
  'control:adjusted': [{ jobId: string; setting: 'workers' | 'batch_size'; from: number; to: number; reason: string; period?: number }];
  'job:finished': [{ jobId: string; status: string }];
  /** A job worked on elsewhere (queue workers), as read from the store: tasks settled so far. */
  'job:progress': [{ jobId: string; settled: number; failed: number; total: number }];
  /** A queued job waits and no worker listening to its lane is online. */
  'queue:idle': [{ jobId: string; lane: string }];
}

export class EngineEvents extends EventEmitter<EngineEventMap> {
  /** Resolves on the next event of that name: tests await instead of sleeping. */
  next<K extends keyof EngineEventMap>(name: K): Promise<EngineEventMap[K]> {
    return once(this as EventEmitter, name) as Promise<EngineEventMap[K]>;
  }
}
