// The policy pack `pulumi preview --policy-pack infra/policy` runs (CI: every stack, every PR).
import { PolicyPack } from '@pulumi/policy';
import { RULES } from './rules.ts';

new PolicyPack('finlake-guardrails', {
  policies: RULES.map((rule) => ({
    name: rule.name,
    description: rule.description,
    enforcementLevel: 'mandatory',
    validateStack: (args, reportViolation) => {
      const resources = args.resources.map((r) => ({
        type: r.type,
        name: r.name,
        urn: r.urn,
        props: r.props,
        propertyDependencies: Object.fromEntries(
          Object.entries(r.propertyDependencies ?? {}).map(([k, deps]) => [k, deps.map((d) => d.urn)]),
        ),
      }));
      for (const v of rule.check(resources)) reportViolation(v.message, v.urn);
    },
  })),
});
