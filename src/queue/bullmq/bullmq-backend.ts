import type { DispatcherFactory } from '../dispatcher.ts';
import { redactQueueUrl } from '../queue-url.ts';
import { hasWorkerFor } from '../worker-registry.ts';
import { BullmqCancelBroadcast } from './bullmq-cancel-broadcast.ts';
import { BullmqConnection } from './bullmq-connection.ts';
import { BullmqDispatcher, enqueueIngestion, enqueueReport } from './bullmq-dispatcher.ts';
import type { ReportRef } from './bullmq-job-ids.ts';

/** The entry states counted as queue depth: waiting, prioritised, delayed or being worked on. */
const DEPTH_STATES = ['wait', 'prioritized', 'delayed', 'active'] as const;

/**
 * Everything an engine needs from BullMQ (presets.ts wires it): the dispatcher factory, the cancel
 * broadcast, queue depth for status and metrics, and one close for all its connections.
 */
export function createBullmqBackend(url: string, prefix: string) {
  const connection = new BullmqConnection({ url, prefix });
  const cancels = new BullmqCancelBroadcast(connection);
  const dispatchers: DispatcherFactory = (parts) => new BullmqDispatcher({ ...parts, connection, hasWorkers: (lane) => hasWorkerFor(parts.store, lane) });
  const queue = {
    label: redactQueueUrl(url),
    connection,
    async depth(lane: string): Promise<number> {
      const counts = await connection.queue(lane).getJobCounts(...DEPTH_STATES);
      return Object.values(counts).reduce((a, b) => a + b, 0);
    },
    enqueueIngestion: (jobId: string) => enqueueIngestion(connection, jobId),
    enqueueReport: (ref: ReportRef) => enqueueReport(connection, ref),
    close: () => connection.close(),
  };
  return { connection, cancels, dispatchers, queue };
}
