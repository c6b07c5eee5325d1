import { fill } from './templates.ts';

/**
 * Column access to gold, one set of names for every enforcer: infra tags each gold column in the catalog
 * with its contract's sensitivity under `lfTagKey` (Lake Formation), grants by tag expression, and creates
 * the analyst role; the API reads a restricted column only for a token carrying `restrictedScope`.
 */
export const GOVERNANCE = {
  /** The LF-Tag on every gold column; its values are the contracts' sensitivities (libs/schemas). */
  lfTagKey: 'finlake_sensitivity',
  /** The token scope that lets an API caller read restricted columns. */
  restrictedScope: 'gold:restricted',
  /** Analysts query gold through Athena and see public columns only. */
  analystRole: 'finlake-{env}-analyst',
} as const;

export const analystRoleName = (env: string) => fill(GOVERNANCE.analystRole, { env });
