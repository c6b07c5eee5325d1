// One file per stack: each runs the program in its own module graph (Pulumi's runtime state is global).
import { describeStack } from './stack-checks.ts';

describe('stack prod', () => {
  describeStack('prod', {
    azs: 3,
    natGateways: 3,
    rds: { instanceClass: 'db.m7g.large', multiAz: true, deletionProtection: true },
    glueWorkers: 10,
  });
});
