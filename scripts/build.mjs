// Bundles the CLI into dist/ (run by `npm ci` through "prepare"), so `npx fanyi` starts without
// transpiling TypeScript on every run. bin/fanyi.js uses dist/ only while it is newer than src/.
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('../', import.meta.url);
const dist = new URL('dist/', root);
rmSync(dist, { recursive: true, force: true });
await build({
  // Named, so both land at the top of dist/: the file threads' entry is found beside the chunk
  // that starts them (src/server/file-threads/file-thread-pool.ts).
  entryPoints: {
    main: new URL('src/cli/main.ts', root).pathname,
    'file-thread': new URL('src/server/file-threads/file-thread.ts', root).pathname,
  },
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outdir: dist.pathname,
  logLevel: 'warning',
});
// Prompts are files loaded next to the code that reads them.
const prompts = new URL('src/llm/prompts/', root);
for (const name of readdirSync(prompts).filter((n) => n.endsWith('.md'))) cpSync(new URL(name, prompts), new URL(name, dist));
// The Redis scripts (the shared limiter's, adaptive control's), read next to the code that registers them.
const scripts = new URL('src/limits/redis/', root);
for (const name of readdirSync(scripts).filter((n) => n.endsWith('.lua'))) cpSync(new URL(name, scripts), new URL(name, dist));
// The dashboard's static files, served from `dashboard/` next to the bundled server code.
cpSync(new URL('src/server/dashboard/', root), new URL('dashboard/', dist), { recursive: true });
