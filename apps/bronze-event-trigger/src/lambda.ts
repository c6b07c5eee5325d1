/** AWS Lambda entry point (EventBridge target for the bronze bucket's Object Created events). */
import { createLogger } from '@finlake/logging';
import { PrefectApi } from '@finlake/prefect-api';
import { handleObjectCreated } from './trigger.ts';

const logger = createLogger({ service: 'bronze-event-trigger', pretty: false });
const api = PrefectApi.fromEnv();
const deployment = process.env.FINLAKE_TRIGGER_DEPLOYMENT ?? 'bronze-to-silver-fmp/bronze-to-silver-on-event';

export const handler = (event: unknown) => handleObjectCreated(event, { api, deployment, logger });
