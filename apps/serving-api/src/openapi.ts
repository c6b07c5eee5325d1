import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { SERIES_MARTS, SUMMARY_MART } from './marts.ts';

/**
 * The OpenAPI document of every route (registered on the root instance, before the routes, so it sees
 * them all), `/openapi.json` and the Swagger UI under `/docs`: public, like /healthz.
 */
export async function openApi(app: FastifyInstance, swaggerUiDir?: string) {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Finlake gold API',
        version: '1.0.0',
        description: `Gold marts: ${SUMMARY_MART.name} (per portfolio, per date); per symbol and day: ${SERIES_MARTS.map((m) => m.name).join(', ')}.`,
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    ...(swaggerUiDir
      ? {
          baseDir: swaggerUiDir,
          // The plugin reads its logo from its own folder at start-up; bundled, that folder is not there.
          logo: { type: 'image/svg+xml', content: await readFile(join(swaggerUiDir, 'logo.svg')) },
        }
      : {}),
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
