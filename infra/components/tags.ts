/** Tags on everything: who pays, which environment, which service. */
export interface TagContext {
  project?: string;
  env: string;
  costCenter: string;
}

export function tagsFor(ctx: TagContext, service: string, extra: Record<string, string> = {}) {
  return {
    project: ctx.project ?? 'finlake',
    env: ctx.env,
    service,
    'cost-center': ctx.costCenter,
    ...extra,
  };
}
