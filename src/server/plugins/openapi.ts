import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { errorSchema } from '../schemas/common-schemas.ts';

/** Where the document and the browsable docs are served. */
export const OPENAPI_PATH = '/api/openapi.json';
export const DOCS_PATH = '/api/docs';

/**
 * The OpenAPI 3.1 document is generated from the routes' own schemas (the ones fastify validates
 * with), so it cannot drift from what the server accepts. Must be registered before the routes.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  app.addSchema(errorSchema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'fanyi', version: '0.1.0', description: 'Translate spreadsheets with LLMs as durable batch jobs: upload, translate, poll, export.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'a token from FANYI_TOKENS; each sees only its tenant’s jobs' } } },
      tags: [
        { name: 'jobs', description: 'upload, start, read and export jobs' },
        { name: 'monitor', description: 'polling views (seed 000 §5.2)' },
        { name: 'control', description: 'pause, resume and cancel a job or some of its groups (seed 000 §3.2.3)' },
        { name: 'reports', description: "summary workbooks of map jobs' results (seed 003 reports)" },
        { name: 'health', description: 'liveness, readiness and metrics' },
      ],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PATH });
  app.get(OPENAPI_PATH, { schema: { hide: true }, config: { isPublic: true } }, async () => app.swagger());
}
