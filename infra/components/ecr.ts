import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface EcrArgs {
  /** One repository per deployable app image, plus `base`. */
  repositories: string[];
  /** Release images kept (tags are commit SHAs; older ones expire). */
  keepTagged?: number;
  tags: Record<string, string>;
}

/** Untagged layers go after a week; only the last `keep` tagged images stay. */
export function ecrLifecyclePolicy(keep: number): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: 'expire untagged images after 7 days',
        selection: {
          tagStatus: 'untagged',
          countType: 'sinceImagePushed',
          countUnit: 'days',
          countNumber: 7,
        },
        action: { type: 'expire' },
      },
      {
        rulePriority: 2,
        description: `keep the last ${keep} images`,
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: keep },
        action: { type: 'expire' },
      },
    ],
  });
}

/** ECR repositories: scan on push, immutable tags (a SHA means one image forever), KMS, lifecycle. */
export class Ecr extends pulumi.ComponentResource {
  readonly urls: Record<string, pulumi.Output<string>> = {};

  constructor(name: string, args: EcrArgs, opts?: pulumi.ComponentResourceOptions) {
    super('finlake:containers:Ecr', name, args, opts);
    for (const repo of args.repositories) {
      const r = new aws.ecr.Repository(
        `${name}-${repo}`,
        {
          name: `finlake/${repo}`,
          imageScanningConfiguration: { scanOnPush: true },
          imageTagMutability: 'IMMUTABLE',
          encryptionConfigurations: [{ encryptionType: 'KMS' }],
          tags: { ...args.tags, service: repo },
        },
        { parent: this },
      );
      new aws.ecr.LifecyclePolicy(
        `${name}-${repo}`,
        { repository: r.name, policy: ecrLifecyclePolicy(args.keepTagged ?? 30) },
        { parent: this },
      );
      this.urls[repo] = r.repositoryUrl;
    }
    this.registerOutputs({ urls: this.urls });
  }

  image(repo: string, tag: pulumi.Input<string>): pulumi.Output<string> {
    const url = this.urls[repo];
    if (!url) throw new Error(`no ECR repository ${repo}`);
    return pulumi.interpolate`${url}:${tag}`;
  }
}
