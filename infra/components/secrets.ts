import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { secretName } from '@finlake/aws';

export interface SecretSpec {
  service: string;
  name: string;
  description: string;
  /** From `pulumi config set --secret` (a `secure:` value); unset: the secret is created empty, filled by hand. */
  value?: pulumi.Output<string>;
}

export interface SecretsArgs {
  env: string;
  secrets: SecretSpec[];
  kmsKeyArn?: pulumi.Input<string>;
  tags: Record<string, string>;
}

/** Secrets Manager secrets named `/{env}/{service}/{name}`; values only from secret config, never plain. */
export class Secrets extends pulumi.ComponentResource {
  readonly arns: Record<string, pulumi.Output<string>> = {};

  constructor(name: string, args: SecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('finlake:security:Secrets', name, args, opts);
    for (const spec of args.secrets) {
      const id = `${spec.service}-${spec.name}`.replace(/_/g, '-');
      const secret = new aws.secretsmanager.Secret(
        `${name}-${id}`,
        {
          name: secretName(args.env, spec.service, spec.name),
          description: spec.description,
          kmsKeyId: args.kmsKeyArn,
          recoveryWindowInDays: args.env === 'prod' ? 30 : 7,
          tags: { ...args.tags, service: spec.service },
        },
        { parent: this },
      );
      if (spec.value !== undefined) {
        new aws.secretsmanager.SecretVersion(
          `${name}-${id}`,
          { secretId: secret.id, secretString: pulumi.secret(spec.value) },
          { parent: this },
        );
      }
      this.arns[`${spec.service}/${spec.name}`] = secret.arn;
    }
    this.registerOutputs({ arns: this.arns });
  }

  arn(service: string, name: string): pulumi.Output<string> {
    const arn = this.arns[`${service}/${name}`];
    if (!arn) throw new Error(`no secret ${service}/${name} declared`);
    return arn;
  }
}
