// Node module resolve hook: prefer in-repo sources (`@finlake/source` export condition).
export async function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions.includes('@finlake/source')
    ? context.conditions
    : ['@finlake/source', ...context.conditions];
  return nextResolve(specifier, { ...context, conditions });
}
