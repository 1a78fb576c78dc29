/**
 * This process's CPU use since the previous sample, as a percentage of one core (seed 000 §8.1
 * `cpu_usage_percent`). Samples closer than a second apart reuse the last value: a burst of polls
 * must not report the noise of a few milliseconds.
 */
export class CpuSampler {
  #last = { at: performance.now(), usage: process.cpuUsage() };
  #value: number | null = null;

  percent(): number | null {
    const now = performance.now();
    const elapsedMs = now - this.#last.at;
    if (elapsedMs < 1000) return this.#value;
    const usage = process.cpuUsage(this.#last.usage);
    this.#value = Math.round(((usage.user + usage.system) / 1000 / elapsedMs) * 1000) / 10;
    this.#last = { at: now, usage: process.cpuUsage() };
    return this.#value;
  }
}
