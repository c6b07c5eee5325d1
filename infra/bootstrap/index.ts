// Bootstrap program: its own state lives in a local backend (`pulumi login file://~/.finlake-bootstrap`),
// since the bucket it creates is where every other stack's state goes. See docs/deploy.md.
import * as pulumi from '@pulumi/pulumi';
import { StateBackend } from '../components/state-backend.ts';
import { tagsFor } from '../components/tags.ts';

const cfg = new pulumi.Config('finlake');
const backend = new StateBackend('finlake-pulumi', {
  tags: tagsFor({ env: 'shared', costCenter: cfg.get('costCenter') ?? 'data-platform' }, 'pulumi-state'),
});

export const stateBucket = backend.bucketName;
export const loginCommand = pulumi.interpolate`pulumi login s3://${backend.bucketName}`;
export const secretsProvider = pulumi.interpolate`awskms://${backend.kmsAlias}`;
