import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface HttpsLoadBalancerArgs {
  /** The public name (`prefect.<domain>`): an ACM certificate validated through Route 53. */
  host: string;
  hostedZoneId: string;
  vpcId: pulumi.Input<string>;
  publicSubnetIds: pulumi.Input<string>[];
  securityGroupId: pulumi.Input<string>;
  /** The targets' port and health path (IP targets: Fargate tasks). */
  targetPort: number;
  healthPath: string;
  /** The access-log bucket (SSE-S3, with ELB log delivery allowed under `logPrefix`). */
  accessLogBucket: pulumi.Input<string>;
  logPrefix: string;
  deletionProtection: boolean;
  tags: Record<string, string>;
}

/** A public ALB that speaks HTTPS only (TLS 1.2+, HTTP redirects), logs every request, and forwards to one target group. */
export class HttpsLoadBalancer extends pulumi.ComponentResource {
  readonly targetGroupArn: pulumi.Output<string>;
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: HttpsLoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('finlake:network:HttpsLoadBalancer', name, args, opts);
    const parent = { parent: this };
    const tags = args.tags;
    const cert = new aws.acm.Certificate(
      `${name}-cert`,
      { domainName: args.host, validationMethod: 'DNS', tags },
      parent,
    );
    const validationRecord = new aws.route53.Record(
      `${name}-cert-validation`,
      {
        zoneId: args.hostedZoneId,
        name: cert.domainValidationOptions[0]!.resourceRecordName,
        type: cert.domainValidationOptions[0]!.resourceRecordType,
        records: [cert.domainValidationOptions[0]!.resourceRecordValue],
        ttl: 300,
      },
      parent,
    );
    const validation = new aws.acm.CertificateValidation(
      `${name}-cert`,
      { certificateArn: cert.arn, validationRecordFqdns: [validationRecord.fqdn] },
      parent,
    );
    const alb = new aws.lb.LoadBalancer(
      `${name}-alb`,
      {
        loadBalancerType: 'application',
        subnets: args.publicSubnetIds,
        securityGroups: [args.securityGroupId],
        dropInvalidHeaderFields: true,
        accessLogs: { bucket: args.accessLogBucket, prefix: args.logPrefix, enabled: true },
        enableDeletionProtection: args.deletionProtection,
        tags,
      },
      parent,
    );
    const tg = new aws.lb.TargetGroup(
      `${name}-tg`,
      {
        port: args.targetPort,
        protocol: 'HTTP',
        targetType: 'ip',
        vpcId: args.vpcId,
        healthCheck: {
          path: args.healthPath,
          matcher: '200',
          interval: 30,
          healthyThreshold: 2,
          unhealthyThreshold: 3,
        },
        tags,
      },
      parent,
    );
    new aws.lb.Listener(
      `${name}-https`,
      {
        loadBalancerArn: alb.arn,
        port: 443,
        protocol: 'HTTPS',
        sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
        certificateArn: validation.certificateArn,
        defaultActions: [{ type: 'forward', targetGroupArn: tg.arn }],
        tags,
      },
      parent,
    );
    new aws.lb.Listener(
      `${name}-http`,
      {
        loadBalancerArn: alb.arn,
        port: 80,
        protocol: 'HTTP',
        defaultActions: [
          { type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } },
        ],
        tags,
      },
      parent,
    );
    new aws.route53.Record(
      `${name}-alias`,
      {
        zoneId: args.hostedZoneId,
        name: args.host,
        type: 'A',
        aliases: [{ name: alb.dnsName, zoneId: alb.zoneId, evaluateTargetHealth: true }],
      },
      parent,
    );
    this.targetGroupArn = tg.arn;
    this.url = pulumi.output(`https://${args.host}`);
    this.registerOutputs({ url: this.url, targetGroupArn: this.targetGroupArn });
  }
}
