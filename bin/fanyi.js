#!/usr/bin/env node
// `npm ci` bundles the CLI into dist/ (scripts/build.mjs). While that bundle is newer than every
// source file it runs as plain JavaScript; otherwise (sources edited since) the TypeScript
// sources run through tsx, so a stale bundle is never used.
import { existsSync, readdirSync, statSync } from 'node:fs';
import v8 from 'node:v8';

const root = new URL('../', import.meta.url);
const bundle = new URL('dist/main.js', root);

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = new URL(entry.name + (entry.isDirectory() ? '/' : ''), dir);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

// A reader that stops early (`fanyi status | head -1`) closes the pipe. Unix tools die quietly of
// SIGPIPE then; Node ignores SIGPIPE, so the write fails with EPIPE, which unhandled would print a
// stack trace. Every command writes through these two streams, so this one place covers them all.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

// V8 lets the old generation grow to up to ~4× what survived the last full collection before the
// next one. Planning and storing a big job promotes a block of drafts at a time that dies soon
// after, so the default multiplies its live data (~120 MB at 100,000 rows) into a 711 MB peak; a
// 1.2× growth factor keeps it at 472 MB for no more CPU (bench:big, README). Read at every
// collection, so it takes effect set here; a --heap-growing-percent of the user's own wins.
if (!`${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`.includes('heap-growing-percent')) v8.setFlagsFromString('--heap-growing-percent=20');

let main;
if (existsSync(bundle) && statSync(bundle).mtimeMs >= newestSource(new URL('src/', root))) {
  ({ main } = await import(bundle.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
