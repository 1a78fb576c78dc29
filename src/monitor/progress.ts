import type { EngineEvents } from './engine-events.ts';

/**
 * A one-line progress bar on a TTY (stderr): done/total, rate, ETA. Counts tasks including
 * fanned-out duplicates, estimated from the unique items settled.
 */
export class ProgressBar {
  readonly #stream: NodeJS.WriteStream;
  readonly #total: number;
  readonly #uniqueTotal: number;
  #uniqueDone = 0;
  #failed = 0;
  #startedAt = Date.now();
  #lastDraw = 0;
  #detach?: () => void;

  constructor(stream: NodeJS.WriteStream, total: number, uniqueTotal: number, alreadyDone = 0) {
    this.#stream = stream;
    this.#total = total;
    this.#uniqueTotal = Math.max(1, uniqueTotal);
    this.#uniqueDone = Math.round((alreadyDone / Math.max(1, total)) * this.#uniqueTotal);
  }

  attach(events: EngineEvents, jobId: string): this {
    const onSettled = (e: { jobId: string; completed: number; failed: number; uniqueItems: number }) => {
      if (e.jobId !== jobId) return;
      this.#uniqueDone += e.uniqueItems;
      this.#failed += e.failed;
      this.#draw();
    };
    // Workers elsewhere (a queue): the store's count replaces the events of this process.
    const onProgress = (e: { jobId: string; settled: number; failed: number; total: number }) => {
      if (e.jobId !== jobId) return;
      this.#uniqueDone = (e.settled / Math.max(1, e.total)) * this.#uniqueTotal;
      this.#failed = e.failed;
      this.#draw();
    };
    events.on('tasks:settled', onSettled);
    events.on('job:progress', onProgress);
    this.#detach = () => {
      events.off('tasks:settled', onSettled);
      events.off('job:progress', onProgress);
    };
    this.#draw(true);
    return this;
  }

  finish(): void {
    this.#detach?.();
    this.#draw(true);
    this.#stream.write('\n');
  }

  #draw(force = false): void {
    const now = Date.now();
    if (!force && now - this.#lastDraw < 100) return;
    this.#lastDraw = now;
    const share = Math.min(1, this.#uniqueDone / this.#uniqueTotal);
    const done = Math.round(share * this.#total);
    const seconds = Math.max(0.001, (now - this.#startedAt) / 1000);
    const rate = done / seconds;
    const eta = share > 0 && share < 1 ? formatSeconds((seconds / share) * (1 - share)) : share >= 1 ? '0s' : '?';
    const width = 30;
    const bar = '█'.repeat(Math.round(share * width)).padEnd(width, '░');
    const failed = this.#failed ? `  failed ${this.#failed}` : '';
    this.#stream.write(`\r${bar} ${(share * 100).toFixed(1).padStart(5)}%  ${done}/${this.#total} cells  ${rate.toFixed(0)}/s  ETA ${eta}${failed}   `);
  }
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}
