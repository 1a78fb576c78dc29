/**
 * One process's link to BullMQ (STYLE practice 5: only queue/bullmq/** imports bullmq): the
 * queue classes bound to the back end the URL names, the lane queues, and their shutdown.
 */
import { createPostgresBackend, createRedisBackend, withBackend, type BackendClasses, type IQueueBackend, type Queue, type QueueEvents, type QueueEventsProducer, type Worker } from 'bullmq';
import { parseQueueUrl, type QueueLocation } from '../queue-url.ts';

export interface BullmqConnectionOptions {
  /** `redis://…` or `postgres://…`. */
  url: string;
  /** Key prefix (Redis) of every queue: one Redis may hold several installations. Default `fanyi`. */
  prefix?: string;
}

type AnyClasses = BackendClasses<IQueueBackend, unknown>;

/** Connections per BullMQ class on PostgreSQL (its LISTEN connection apart), and how long one may idle. */
const PG_POOL_MAX = 2;
const PG_IDLE_MS = 2_000;

export class BullmqConnection {
  readonly location: QueueLocation;
  readonly prefix: string;
  readonly #classes: AnyClasses;
  readonly #queues = new Map<string, Queue>();
  readonly #closers: Array<{ close(): Promise<void> }> = [];

  constructor(options: BullmqConnectionOptions) {
    this.location = parseQueueUrl(options.url);
    this.prefix = options.prefix ?? 'fanyi';
    this.#classes = (this.location.kind === 'redis' ? withBackend(createRedisBackend) : withBackend(createPostgresBackend)) as unknown as AnyClasses;
  }

  /** What every class is constructed with. */
  get #base(): { connection: unknown; prefix: string } {
    return { connection: this.#connectionOptions(), prefix: this.prefix };
  }

  /** The lane's queue (one per lane, cached). */
  queue(lane: string): Queue {
    let queue = this.#queues.get(lane);
    if (!queue) {
      queue = new this.#classes.Queue(lane, this.#base) as unknown as Queue;
      // A queue that lost Redis reconnects by itself; the error is reported by whoever awaits it.
      queue.on('error', () => undefined);
      this.#queues.set(lane, queue);
      this.#closers.push(queue);
    }
    return queue;
  }

  worker(lane: string, processor: ConstructorParameters<AnyClasses['Worker']>[1], options: Record<string, unknown>): Worker {
    const worker = new this.#classes.Worker(lane, processor, { ...this.#base, ...options }) as unknown as Worker;
    this.#closers.push(worker);
    return worker;
  }

  events(name: string): QueueEvents {
    const events = new this.#classes.QueueEvents(name, this.#base) as unknown as QueueEvents;
    events.on('error', () => undefined);
    this.#closers.push(events);
    return events;
  }

  producer(name: string): QueueEventsProducer {
    const producer = new this.#classes.QueueEventsProducer(name, this.#base) as unknown as QueueEventsProducer;
    this.#closers.push(producer);
    return producer;
  }

  /** Closes everything made here, workers first (they hand their batches back). */
  async close(): Promise<void> {
    for (const closer of this.#closers.splice(0).reverse()) await closer.close().catch(() => undefined);
  }

  /**
   * Redis: ioredis options from the URL; `maxRetriesPerRequest: null` as BullMQ requires of
   * workers, so a restarted Redis is waited for rather than failing every command. PostgreSQL:
   * BullMQ's pool config (it creates its tables in the database on first use).
   */
  #connectionOptions(): unknown {
    const { kind, url } = this.location;
    // BullMQ creates its schema (`bullmq`) on first use; its migrator takes a lock, so workers may start at once.
    // Every queue, worker and event stream has a pool of its own (and a worker or event stream a
    // LISTEN connection besides): pg's default of 10 per pool let one worker on six lanes hold 21
    // connections idle and over 100 busy, and four workers exhausted PostgreSQL's default
    // max_connections ("sorry, too many clients already"). Small pools that let idle connections go.
    if (kind === 'postgres') return { connectionString: url, migrate: true, max: PG_POOL_MAX, idleTimeoutMillis: PG_IDLE_MS };
    const u = new URL(url);
    return {
      host: u.hostname || '127.0.0.1',
      port: Number(u.port || 6379),
      username: decodeURIComponent(u.username) || undefined,
      password: decodeURIComponent(u.password) || undefined,
      db: Number(u.pathname.slice(1) || 0),
      ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
      maxRetriesPerRequest: null,
      // Back off to 1 s at most: a restarted Redis is back in use within a second.
      retryStrategy: (times: number) => Math.min(times * 100, 1_000),
    };
  }
}
