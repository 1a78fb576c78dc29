// Bundles the CLI into dist/ (run by `npm ci` through "prepare"), so `npx fanyi` starts without
// transpiling TypeScript on every run. bin/fanyi.js uses dist/ only while it is newer than src/.
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('../', import.meta.url);
const dist = new URL('dist/', root);
rmSync(dist, { recursive: true, force: true });
await build({
  entryPoints: [new URL('src/cli/main.ts', root).pathname],
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
// The shared limiter's Lua script, read next to the code that registers it.
cpSync(new URL('src/limits/redis/endpoint-budget.lua', root), new URL('endpoint-budget.lua', dist));
// The dashboard's static files, served from `dashboard/` next to the bundled server code.
cpSync(new URL('src/server/dashboard/', root), new URL('dashboard/', dist), { recursive: true });
