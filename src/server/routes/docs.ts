/** The API description: /openapi.json (generated from the route schemas) and the docs page at /docs. */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

export interface DocsOptions {
  version: string;
  /** Documents the API key schemes as required. */
  secured: boolean;
}

/**
 * Registers on `app` itself, not in a child scope: the OpenAPI generator must see every route, so
 * call this before the routes are registered.
 */
export function registerDocs(app: FastifyInstance, { version, secured }: DocsOptions): void {
  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'rebuy',
        version,
        description:
          'Predicts which audiobook customers will buy again. Errors always have the shape {"error": {"code", "message", "field"?, "line"?, "column"?}}.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer KEY' },
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        },
      },
      ...(secured ? { security: [{ bearer: [] }, { apiKey: [] }] } : {}),
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (json.$id as string | undefined) ?? `def-${i}` },
  });
  void app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: false } });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
