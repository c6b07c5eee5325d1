// Writes the dashboard's JSON (provisioned by the dev stack's Grafana and by infra).
//   npx nx run dashboards:generate
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DASHBOARD_UID, renderDashboardJson } from '../platform-dashboard.ts';

export const GENERATED = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'generated');
mkdirSync(GENERATED, { recursive: true });
writeFileSync(join(GENERATED, `${DASHBOARD_UID}.json`), renderDashboardJson());
