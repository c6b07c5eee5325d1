import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { assumeRolePolicy, policyDocument } from './iam.ts';

export interface VpcArgs {
  cidr: string;
  availabilityZones: string[];
  /** `single`: one NAT gateway for all private subnets (dev); `perAz`: one per AZ (prod: no cross-AZ outage). */
  natGateways: 'single' | 'perAz';
  flowLogRetentionDays?: number;
  /** Interface endpoints keep AWS API traffic off the NAT gateways (cost) and the internet. */
  interfaceEndpoints?: string[];
  region: string;
  tags: Record<string, string>;
}

export const DEFAULT_INTERFACE_ENDPOINTS = ['glue', 'ecr.api', 'ecr.dkr', 'logs', 'secretsmanager', 'sts'];

/** /20 public and /20 private subnets per AZ, carved from a /16: public first, then private. */
export function subnetCidrs(vpcCidr: string, azCount: number): { public: string[]; private: string[] } {
  const m = /^(\d+)\.(\d+)\.0\.0\/16$/.exec(vpcCidr);
  if (!m) throw new Error(`VPC CIDR ${vpcCidr} must be a /16 like 10.20.0.0/16`);
  if (azCount < 2 || azCount > 6) throw new Error(`2 to 6 availability zones, got ${azCount}`);
  const block = (i: number) => `${m[1]}.${m[2]}.${i * 16}.0/20`;
  return {
    public: Array.from({ length: azCount }, (_, i) => block(i)),
    private: Array.from({ length: azCount }, (_, i) => block(i + 8)),
  };
}

export function natGatewayCount(mode: VpcArgs['natGateways'], azCount: number): number {
  return mode === 'single' ? 1 : azCount;
}

export class Vpc extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly cidr: string;
  readonly publicSubnetIds: pulumi.Output<string>[];
  readonly privateSubnetIds: pulumi.Output<string>[];
  readonly endpointSecurityGroupId: pulumi.Output<string>;

  constructor(name: string, args: VpcArgs, opts?: pulumi.ComponentResourceOptions) {
    super('finlake:network:Vpc', name, args, opts);
    const parent = { parent: this };
    const tags = (extra: Record<string, string>) => ({ ...args.tags, ...extra });
    const azs = args.availabilityZones;
    const cidrs = subnetCidrs(args.cidr, azs.length);
    const vpc = new aws.ec2.Vpc(
      name,
      { cidrBlock: args.cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: tags({ Name: name }) },
      parent,
    );
    // The default security group of a VPC allows all traffic between its members: empty it.
    new aws.ec2.DefaultSecurityGroup(
      `${name}-default-sg`,
      { vpcId: vpc.id, tags: tags({ Name: `${name}-default` }) },
      parent,
    );
    const igw = new aws.ec2.InternetGateway(
      `${name}-igw`,
      { vpcId: vpc.id, tags: tags({ Name: name }) },
      parent,
    );

    const publicRt = new aws.ec2.RouteTable(
      `${name}-public`,
      {
        vpcId: vpc.id,
        routes: [{ cidrBlock: '0.0.0.0/0', gatewayId: igw.id }],
        tags: tags({ Name: `${name}-public` }),
      },
      parent,
    );
    const publicSubnets = azs.map((az, i) => {
      const subnet = new aws.ec2.Subnet(
        `${name}-public-${i}`,
        {
          vpcId: vpc.id,
          cidrBlock: cidrs.public[i]!,
          availabilityZone: az,
          mapPublicIpOnLaunch: false,
          tags: tags({ Name: `${name}-public-${az}`, tier: 'public' }),
        },
        parent,
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-public-${i}`,
        { subnetId: subnet.id, routeTableId: publicRt.id },
        parent,
      );
      return subnet;
    });

    const nats = Array.from({ length: natGatewayCount(args.natGateways, azs.length) }, (_, i) => {
      const eip = new aws.ec2.Eip(
        `${name}-nat-${i}`,
        { domain: 'vpc', tags: tags({ Name: `${name}-nat-${i}` }) },
        parent,
      );
      return new aws.ec2.NatGateway(
        `${name}-nat-${i}`,
        {
          allocationId: eip.id,
          subnetId: publicSubnets[i]!.id,
          tags: tags({ Name: `${name}-nat-${azs[i]}` }),
        },
        { parent: this, dependsOn: [igw] },
      );
    });
    const privateRts: aws.ec2.RouteTable[] = [];
    const privateSubnets = azs.map((az, i) => {
      const subnet = new aws.ec2.Subnet(
        `${name}-private-${i}`,
        {
          vpcId: vpc.id,
          cidrBlock: cidrs.private[i]!,
          availabilityZone: az,
          tags: tags({ Name: `${name}-private-${az}`, tier: 'private' }),
        },
        parent,
      );
      const rt = new aws.ec2.RouteTable(
        `${name}-private-${i}`,
        {
          vpcId: vpc.id,
          routes: [{ cidrBlock: '0.0.0.0/0', natGatewayId: nats[Math.min(i, nats.length - 1)]!.id }],
          tags: tags({ Name: `${name}-private-${az}` }),
        },
        parent,
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-private-${i}`,
        { subnetId: subnet.id, routeTableId: rt.id },
        parent,
      );
      privateRts.push(rt);
      return subnet;
    });

    vpcFlowLogs(name, vpc.id, args, this);
    const endpointSg = vpcEndpoints(name, vpc.id, privateRts, privateSubnets, args, this);

    this.vpcId = vpc.id;
    this.cidr = args.cidr;
    this.publicSubnetIds = publicSubnets.map((s) => s.id);
    this.privateSubnetIds = privateSubnets.map((s) => s.id);
    this.endpointSecurityGroupId = endpointSg.id;
    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
    });
  }
}

/** Flow logs (rejected and accepted traffic) to CloudWatch, through a role that can only write there. */
function vpcFlowLogs(
  name: string,
  vpcId: pulumi.Input<string>,
  args: VpcArgs,
  parent: pulumi.Resource,
): void {
  // Flow logs (rejected and accepted traffic) to CloudWatch, through a role that can only write there.
  const flowLogGroup = new aws.cloudwatch.LogGroup(
    `${name}-flow-logs`,
    { retentionInDays: args.flowLogRetentionDays ?? 90, tags: args.tags },
    { parent },
  );
  const flowRole = new aws.iam.Role(
    `${name}-flow-logs`,
    { assumeRolePolicy: assumeRolePolicy('vpc-flow-logs.amazonaws.com'), tags: args.tags },
    { parent },
  );
  new aws.iam.RolePolicy(
    `${name}-flow-logs`,
    {
      role: flowRole.id,
      policy: flowLogGroup.arn.apply((arn) =>
        JSON.stringify(
          policyDocument([
            {
              Effect: 'Allow',
              Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
              Resource: [`${arn}:*`],
            },
          ]),
        ),
      ),
    },
    { parent },
  );
  new aws.ec2.FlowLog(
    `${name}-flow-log`,
    {
      vpcId,
      trafficType: 'ALL',
      logDestinationType: 'cloud-watch-logs',
      logDestination: flowLogGroup.arn,
      iamRoleArn: flowRole.arn,
      tags: args.tags,
    },
    { parent },
  );
}

/** Endpoints: S3 as a gateway (free), the AWS APIs the tasks call as interface endpoints. */
function vpcEndpoints(
  name: string,
  vpcId: pulumi.Input<string>,
  privateRts: aws.ec2.RouteTable[],
  privateSubnets: aws.ec2.Subnet[],
  args: VpcArgs,
  parent: pulumi.Resource,
): aws.ec2.SecurityGroup {
  const tags = (extra: Record<string, string>) => ({ ...args.tags, ...extra });
  // Endpoints: S3 as a gateway (free), the AWS APIs the tasks call as interface endpoints.
  new aws.ec2.VpcEndpoint(
    `${name}-s3`,
    {
      vpcId,
      serviceName: `com.amazonaws.${args.region}.s3`,
      vpcEndpointType: 'Gateway',
      routeTableIds: privateRts.map((rt) => rt.id),
      tags: tags({ Name: `${name}-s3` }),
    },
    { parent },
  );
  const endpointSg = new aws.ec2.SecurityGroup(
    `${name}-endpoints`,
    {
      vpcId,
      description: 'HTTPS from inside the VPC to the interface endpoints',
      ingress: [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidrBlocks: [args.cidr], description: 'VPC' }],
      tags: tags({ Name: `${name}-endpoints` }),
    },
    { parent },
  );
  for (const service of args.interfaceEndpoints ?? DEFAULT_INTERFACE_ENDPOINTS) {
    new aws.ec2.VpcEndpoint(
      `${name}-${service.replace('.', '-')}`,
      {
        vpcId,
        serviceName: `com.amazonaws.${args.region}.${service}`,
        vpcEndpointType: 'Interface',
        privateDnsEnabled: true,
        subnetIds: privateSubnets.map((s) => s.id),
        securityGroupIds: [endpointSg.id],
        tags: tags({ Name: `${name}-${service}` }),
      },
      { parent },
    );
  }

  return endpointSg;
}
