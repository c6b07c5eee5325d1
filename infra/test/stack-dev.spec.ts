// One file per stack: each runs the program in its own module graph (Pulumi's runtime state is global).
import { describeStack } from './stack-checks.ts';

describe('stack dev', () => {
  describeStack('dev', {
    azs: 2,
    natGateways: 1,
    rds: { instanceClass: 'db.t4g.micro', multiAz: false, deletionProtection: false },
    glueWorkers: 2,
  });
});
