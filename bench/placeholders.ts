/**
 * npm run bench:placeholders — the cost of the placeholder scan the QA gate and `fanyi check` run
 * on every text (it was a speed target inside a unit test, where timing has no place).
 *
 * Scans 300,000 cells (a third with six tokens each: markup, a brace, printf forms, a percent
 * escape; the rest plain text) with `findPlaceholders`, and, as the baseline, with the cheapest
 * scan that still looks at every cell: one regex counting the characters a token can start with.
 * Each is timed --repeat times (default 5) after a warm-up; the medians and their ratio are
 * printed, JSON on stdout and one line on stderr. The ratio is what to compare across hosts.
 * Options: --cells N, --repeat N.
 */
import { parseArgs } from 'node:util';
import { findPlaceholders } from '../src/qa/placeholders.ts';

const { values } = parseArgs({ options: { cells: { type: 'string', default: '300000' }, repeat: { type: 'string', default: '5' } } });
const cellCount = Number(values.cells);
const repeat = Number(values.repeat);

const cells = Array.from({ length: cellCount }, (_, i) =>
  i % 3 === 0 ? `Deal <color=#f00>{${i % 5}}</color> damage to %1 (%.2f%%)` : `Plain text cell number ${i}`);

/** Characters a placeholder can start with: the baseline only counts them. */
const STARTS = /[{%<[$]/g;

function scanPlaceholders(): number {
  let count = 0;
  for (const cell of cells) count += findPlaceholders(cell).length;
  return count;
}

function scanBaseline(): number {
  let count = 0;
  for (const cell of cells) count += cell.match(STARTS)?.length ?? 0;
  return count;
}

/** Median milliseconds of `repeat` runs of `scan`, after one warm-up run; also its result. */
function time(scan: () => number): { ms: number; result: number } {
  const result = scan();
  const runs: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const started = performance.now();
    scan();
    runs.push(performance.now() - started);
  }
  runs.sort((a, b) => a - b);
  return { ms: runs[Math.floor(runs.length / 2)], result };
}

const fanyi = time(scanPlaceholders);
const baseline = time(scanBaseline);
const expected = Math.ceil(cellCount / 3) * 6;
if (fanyi.result !== expected) throw new Error(`findPlaceholders found ${fanyi.result} tokens, expected ${expected}`);
const report = {
  cells: cellCount,
  repeat,
  tokens: fanyi.result,
  find_placeholders_ms: Math.round(fanyi.ms),
  cells_per_second: Math.round(cellCount / (fanyi.ms / 1000)),
  baseline_ms: Math.round(baseline.ms),
  ratio_to_baseline: Number((fanyi.ms / baseline.ms).toFixed(1)),
};
console.error(`findPlaceholders: ${report.find_placeholders_ms} ms for ${cellCount} cells (${report.cells_per_second} cells/s), ${report.ratio_to_baseline}× a start-character scan (${report.baseline_ms} ms)`);
console.log(JSON.stringify(report, null, 2));
