import { readFile } from 'node:fs/promises';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { QueryEngine } from '@finlake/serving';

export interface HealthOptions {
  engine: QueryEngine;
  /** `_published.json` of the served gold (local), for the run that published it. */
  publishedMetaFile?: string;
}

/** `/healthz`: public (outside the authenticated /v1 plugin); what gold is served and how fresh. */
export const healthRoutes: FastifyPluginAsyncTypebox<HealthOptions> = async (app, options) => {
  app.get(
    '/healthz',
    {
      schema: {
        security: [],
        response: {
          200: Type.Object({
            status: Type.String(),
            engine: Type.String(),
            gold: Type.Object({
              latest_summary_date: Type.Union([Type.String(), Type.Null()]),
              rows: Type.Integer(),
              published_at: Type.Union([Type.String(), Type.Null()]),
              run_id: Type.Union([Type.String(), Type.Null()]),
            }),
          }),
        },
      },
    },
    async () => {
      const fresh = await options.engine.freshness();
      let meta: { published_at?: string; run_id?: string } = {};
      if (options.publishedMetaFile)
        meta = JSON.parse(await readFile(options.publishedMetaFile, 'utf8').catch(() => '{}'));
      return {
        status: 'ok',
        engine: options.engine.name,
        gold: {
          latest_summary_date: fresh.latestSummaryDate,
          rows: fresh.rows,
          published_at: meta.published_at ?? null,
          run_id: meta.run_id ?? null,
        },
      };
    },
  );
};
