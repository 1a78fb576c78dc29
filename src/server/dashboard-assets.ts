import { readFile } from 'node:fs/promises';

/**
 * The dashboard's static files. Resolved next to this module: `src/server/dashboard/` when run from
 * source, `dist/dashboard/` in the bundle (scripts/build.mjs copies them there; every bundled
 * chunk sits directly in dist/).
 */
const DIR = new URL('./dashboard/', import.meta.url);

/** The only files served: a request never names a path. */
export const DASHBOARD_FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'charts.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

const cache = new Map<string, Buffer>();

/** Read once per process: the files ship with the code and never change while it runs. */
export async function dashboardFile(name: string): Promise<Buffer> {
  let bytes = cache.get(name);
  if (!bytes) {
    bytes = await readFile(new URL(name, DIR));
    cache.set(name, bytes);
  }
  return bytes;
}
