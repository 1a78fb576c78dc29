import type { FastifyInstance } from 'fastify';
import { DASHBOARD_FILES, dashboardFile } from '../dashboard-assets.ts';
import type { RouteOptions } from '../server-context.ts';

const fileParams = {
  type: 'object',
  properties: { file: { type: 'string', enum: Object.keys(DASHBOARD_FILES) } },
  required: ['file'],
  additionalProperties: false,
} as const;

/**
 * The dashboard (seed 000 §8.2) at `/`: static files with no job data in them, so they need no
 * token; the page asks the API for everything, with the token the user typed (kept in
 * sessionStorage) or none on a loopback server without tokens.
 */
export async function dashboardRoute(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const refresh = ctx.engine.config.system.monitoring_interval;
  const page = async (name: string) => (name === 'index.html' ? withRefresh(await dashboardFile(name), refresh) : dashboardFile(name));
  const send = async (name: string, reply: import('fastify').FastifyReply) =>
    reply.header('content-type', DASHBOARD_FILES[name]).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').send(await page(name));
  app.get('/', { schema: { hide: true }, config: { isPublic: true } }, (_request, reply) => send('index.html', reply));
  app.get<{ Params: { file: string } }>('/dashboard/:file', { schema: { hide: true, params: fileParams }, config: { isPublic: true } }, (request, reply) => send(request.params.file, reply));
}

/** The page with `system.monitoring_interval` as its poll interval (app.js reads the meta tag). */
function withRefresh(html: Buffer, seconds: number): string {
  return html
    .toString('utf8')
    .replace(/(<meta name="fanyi-refresh-seconds" content=")[^"]*"/, `$1${seconds}"`)
    .replace(/(<span id="interval">)[^<]*</, `$1${seconds}<`);
}
