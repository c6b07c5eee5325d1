import Type from 'typebox';
import { Compile } from 'typebox/compile';
import type { Logger } from '@finlake/logging';
import type { PrefectApi } from '@finlake/prefect-api';
import { parseManifestKey, type ManifestRef } from '@finlake/platform';

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

/**
 * The landed batch a key names: a run manifest with the `event` handoff (libs/platform's layout; the
 * connector writes it last). Anything else (data objects, sidecars, pipeline manifests) is not ours.
 */
export function parseBronzeKey(rawKey: string): ManifestRef | undefined {
  // S3 event keys arrive URL-encoded (`^GSPC` as `%5EGSPC`, spaces as `+`).
  const ref = parseManifestKey(decodeURIComponent(rawKey.replace(/\+/g, ' ')));
  return ref?.handoff === 'event' ? ref : undefined;
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
 * One landed batch (its run manifest) -> one bronze-to-silver flow run. The idempotency key is the
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
    deps.logger.info({ bucket: bucket.name, key: object.key }, 'ignored: not an event-handoff run manifest');
    return { status: 'ignored', reason: 'not an event-handoff run manifest' };
  }
  const [flowName, deploymentName] = deps.deployment.split('/');
  const deployment = await deps.api.readDeploymentByName(flowName!, deploymentName!);
  if (!deployment)
    throw new Error(`Prefect has no deployment ${deps.deployment}: deploy apps/flows (prefect.yaml) first`);
  const idempotencyKey = `s3://${bucket.name}/${object.key}@${object.etag ?? object.sequencer ?? 'no-etag'}`;
  const { run, created } = await deps.api.createFlowRunFromDeployment(deployment.id, {
    // The flow reads the window from the manifest (the event carries only its key).
    parameters: { manifest_key: decodeURIComponent(object.key.replace(/\+/g, ' ')) },
    idempotencyKey,
    tags: ['trigger:s3-event', `source:${parsed.dataset.source}`, `ingest-run:${parsed.runId}`],
  });
  deps.logger.info(
    { flow_run: run.id, created, key: object.key, idempotency_key: idempotencyKey },
    created ? 'flow run created' : 'duplicate event: run exists',
  );
  return { status: created ? 'created' : 'duplicate', flowRunId: run.id, idempotencyKey };
}
