/**
 * Group commit: items submitted while a write is running are written together in the next one.
 * Every caller still resumes only after its own item is committed; under concurrency this turns
 * one transaction per call into one per handful of calls.
 */
export class GroupCommit<T> {
  readonly #write: (items: T[]) => Promise<void>;
  readonly #onGroup?: (size: number) => void;
  #queue: Entry<T>[] = [];
  #flushing: Promise<void> | undefined;

  /** `write` commits a group in one transaction; it must leave nothing behind when it throws. */
  constructor(write: (items: T[]) => Promise<void>, onGroup?: (size: number) => void) {
    this.#write = write;
    this.#onGroup = onGroup;
  }

  submit(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#flush();
    });
  }

  /** Resolves once everything submitted so far is written (or has failed). */
  async drain(): Promise<void> {
    await this.#flushing;
  }

  #flush(): void {
    if (this.#flushing) return;
    this.#flushing = (async () => {
      // Let replies that already arrived (pending I/O callbacks) join this group.
      await new Promise((resolve) => setImmediate(resolve));
      while (this.#queue.length) await this.#writeGroup(this.#queue.splice(0));
    })().finally(() => {
      this.#flushing = undefined;
    });
  }

  async #writeGroup(group: Entry<T>[]): Promise<void> {
    this.#onGroup?.(group.length);
    try {
      await this.#write(group.map((entry) => entry.item));
      for (const entry of group) entry.resolve();
    } catch {
      // One bad item must not take the others down with it: write them one by one.
      for (const entry of group) await this.#write([entry.item]).then(entry.resolve, entry.reject);
    }
  }
}

interface Entry<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}
