import type { CancelBroadcast } from '../dispatcher.ts';
import type { BullmqConnection } from './bullmq-connection.ts';

/** The stream the cancels go through: BullMQ's custom queue events, on Redis and PostgreSQL alike. */
const CONTROL = 'fanyi-control';
const CANCEL_EVENT = 'fanyi:cancel';

/**
 * A cancel published to every worker through BullMQ's own event stream (QueueEventsProducer /
 * QueueEvents), not a home-made pub/sub: it works on both back ends. A worker that misses the
 * message (it was reconnecting) still stops: the cancel released its lease, and the next renewal
 * finds it gone (work-leased-batch.ts).
 */
export class BullmqCancelBroadcast implements CancelBroadcast {
  readonly #connection: BullmqConnection;
  #producer?: ReturnType<BullmqConnection['producer']>;
  #events?: ReturnType<BullmqConnection['events']>;
  readonly #listeners = new Set<(jobId: string) => void>();

  constructor(connection: BullmqConnection) {
    this.#connection = connection;
  }

  async publish(jobId: string): Promise<void> {
    this.#producer ??= this.#connection.producer(CONTROL);
    await this.#producer.publishEvent({ eventName: CANCEL_EVENT, jobId });
  }

  subscribe(listener: (jobId: string) => void): () => void {
    if (!this.#events) {
      this.#events = this.#connection.events(CONTROL);
      const on = this.#events.on.bind(this.#events) as (event: string, fn: (args: { jobId?: string }) => void) => void;
      on(CANCEL_EVENT, ({ jobId }) => {
        if (jobId) for (const l of this.#listeners) l(jobId);
      });
    }
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves once the subscription listens (events published before it are not seen). */
  async ready(): Promise<void> {
    await this.#events?.waitUntilReady();
  }
}
