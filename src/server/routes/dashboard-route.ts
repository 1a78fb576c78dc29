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
export async function dashboardRoute(app: FastifyInstance, _options: RouteOptions): Promise<void> {
  const send = async (name: string, reply: import('fastify').FastifyReply) =>
    reply.header('content-type', DASHBOARD_FILES[name]).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').send(await dashboardFile(name));
  app.get('/', { schema: { hide: true }, config: { isPublic: true } }, (_request, reply) => send('index.html', reply));
  app.get<{ Params: { file: string } }>('/dashboard/:file', { schema: { hide: true, params: fileParams }, config: { isPublic: true } }, (request, reply) => send(request.params.file, reply));
}
