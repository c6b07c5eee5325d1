import Type from 'typebox';
import { Compile } from 'typebox/compile';
import type { Logger } from '@finlake/logging';
import type { PrefectApi } from '@finlake/prefect-api';

/** The part of an EventBridge "Object Created" event from S3 that the trigger reads. */
const ObjectCreated = Type.Object({
  source: Type.Literal('aws.s3'),
  'detail-type': Type.Literal('Object Created'),
  detail: Type.Object({
    bucket: Type.Object({ name: Type.String({ minLength: 3 }) }),
    object: Type.Object({
      key: Type.String({ minLength: 1, maxLength: 1024 }),
      etag: Type.Optional(Type.String()),
      sequencer: Type.Optional(Type.String()),
    }),
  }),
});
const checkEvent = Compile(ObjectCreated);

/** `source=fmp/dataset=<d>/year=<y>/symbol=<S>/<S>_<from>_<to>.json`, as fmp-ingester lands it. */
const BRONZE_OBJECT =
  /^(?:.*\/)?source=fmp\/dataset=(?<dataset>[a-z_]+)\/year=\d{4}\/symbol=(?<symbol>[^/]+)\/[^/]+_(?<from>\d{4}-\d{2}-\d{2})_(?<to>\d{4}-\d{2}-\d{2})\.json$/;

export interface BronzeObject {
  dataset: string;
  symbol: string;
  from: string;
  to: string;
}

/** The bronze object a key names, or undefined for keys that are not data (sidecars, manifests, temp files). */
export function parseBronzeKey(rawKey: string): BronzeObject | undefined {
  // S3 event keys arrive URL-encoded (`^GSPC` as `%5EGSPC`, spaces as `+`).
  const key = decodeURIComponent(rawKey.replace(/\+/g, ' '));
  const m = BRONZE_OBJECT.exec(key);
  return m?.groups
    ? { dataset: m.groups.dataset!, symbol: m.groups.symbol!, from: m.groups.from!, to: m.groups.to! }
    : undefined;
}

export interface TriggerDeps {
  api: PrefectApi;
  /** `flow-name/deployment-name` of the bronze-to-silver deployment. */
  deployment: string;
  logger: Logger;
}

export type TriggerResult =
  | { status: 'created' | 'duplicate'; flowRunId: string; idempotencyKey: string }
  | { status: 'ignored'; reason: string };

/**
 * One bronze object -> one bronze-to-silver flow run for its window. The idempotency key is the
 * object's identity (bucket, key, etag), so a redelivered event finds the run it already created
 * and never runs the work twice; a changed object (new etag) is processed again.
 */
export async function handleObjectCreated(event: unknown, deps: TriggerDeps): Promise<TriggerResult> {
  if (!checkEvent.Check(event)) {
    const why = [...checkEvent.Errors(event)]
      .map((e) => `${e.instancePath || '/'} ${e.message}`)
      .slice(0, 5)
      .join('; ');
    throw new Error(`not an S3 "Object Created" EventBridge event: ${why}`);
  }
  const { bucket, object } = event.detail;
  const parsed = parseBronzeKey(object.key);
  if (!parsed) {
    deps.logger.info({ bucket: bucket.name, key: object.key }, 'ignored: not a bronze data object');
    return { status: 'ignored', reason: 'not a bronze data object' };
  }
  if (parsed.dataset !== 'historical_price_eod') {
    return { status: 'ignored', reason: `no flow for dataset ${parsed.dataset}` };
  }
  const [flowName, deploymentName] = deps.deployment.split('/');
  const deployment = await deps.api.readDeploymentByName(flowName!, deploymentName!);
  if (!deployment)
    throw new Error(`Prefect has no deployment ${deps.deployment}: deploy apps/flows (prefect.yaml) first`);
  const idempotencyKey = `s3://${bucket.name}/${object.key}@${object.etag ?? object.sequencer ?? 'no-etag'}`;
  const { run, created } = await deps.api.createFlowRunFromDeployment(deployment.id, {
    parameters: { date_from: parsed.from, date_to: parsed.to },
    idempotencyKey,
    tags: ['trigger:s3-event', `symbol:${parsed.symbol}`],
  });
  deps.logger.info(
    { flow_run: run.id, created, key: object.key, idempotency_key: idempotencyKey },
    created ? 'flow run created' : 'duplicate event: run exists',
  );
  return { status: created ? 'created' : 'duplicate', flowRunId: run.id, idempotencyKey };
}
