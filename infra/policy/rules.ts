// Finlake's guardrails as pure functions over a stack's resources (type, name, props), so they run the
// same inside `pulumi preview --policy-pack infra/policy` and in the tests over the mocked program.
import { GOVERNANCE } from '@finlake/platform';

export interface PolicyResource {
  type: string;
  name: string;
  urn: string;
  props: Record<string, unknown>;
  /** The physical id when known (the mocked program), and the URNs each input came from (the engine). */
  id?: string;
  propertyDependencies?: Record<string, string[]>;
}
export interface Violation {
  urn: string;
  message: string;
}
export interface Rule {
  name: string;
  description: string;
  check(resources: PolicyResource[]): Violation[];
}

const T = {
  bucket: 'aws:s3/bucket:Bucket',
  versioning: 'aws:s3/bucketVersioning:BucketVersioning',
  sse: 'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
  publicBlock: 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock',
  logging: 'aws:s3/bucketLogging:BucketLogging',
  rolePolicy: 'aws:iam/rolePolicy:RolePolicy',
  policy: 'aws:iam/policy:Policy',
  rds: 'aws:rds/instance:Instance',
  listeners: ['aws:lb/listener:Listener', 'aws:alb/listener:Listener'],
  loadBalancers: ['aws:lb/loadBalancer:LoadBalancer', 'aws:alb/loadBalancer:LoadBalancer'],
  sg: 'aws:ec2/securityGroup:SecurityGroup',
  ingressRule: 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule',
  sgRule: 'aws:ec2/securityGroupRule:SecurityGroupRule',
  catalogTable: 'aws:glue/catalogTable:CatalogTable',
  lfTags: 'aws:lakeformation/resourceLfTags:ResourceLfTags',
  lfPermissions: 'aws:lakeformation/permissions:Permissions',
};

const of = (rs: PolicyResource[], type: string | string[]) =>
  rs.filter((r) => (Array.isArray(type) ? type.includes(r.type) : r.type === type));
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const arr = <X>(v: unknown): X[] => (Array.isArray(v) ? (v as X[]) : v === undefined ? [] : [v as X]);
const tags = (r: PolicyResource) => (r.props.tags ?? {}) as Record<string, string>;
/** Values still unknown at preview time are skipped, not reported. */
const bucketKey = (r: PolicyResource) => str(r.props.bucket) ?? str(r.props.id);

const bucketsHardened: Rule = {
  name: 's3-buckets-hardened',
  description:
    'Every bucket is encrypted, versioned, blocks public access and is access-logged (except the log bucket).',
  check(rs) {
    const covered = (type: string, ok: (r: PolicyResource) => boolean) =>
      new Set(
        of(rs, type)
          .filter(ok)
          .map((r) => str(r.props.bucket)),
      );
    const encrypted = covered(T.sse, (r) => arr(r.props.rules).length > 0);
    const versioned = covered(
      T.versioning,
      (r) => (r.props.versioningConfiguration as { status?: string })?.status === 'Enabled',
    );
    const blocked = covered(T.publicBlock, (r) =>
      ['blockPublicAcls', 'blockPublicPolicy', 'ignorePublicAcls', 'restrictPublicBuckets'].every(
        (k) => r.props[k] === true,
      ),
    );
    const logged = covered(T.logging, (r) => Boolean(r.props.targetBucket));
    const out: Violation[] = [];
    for (const b of of(rs, T.bucket)) {
      const key = bucketKey(b);
      if (key === undefined) continue;
      const missing = [
        !encrypted.has(key) && 'encryption',
        !versioned.has(key) && 'versioning',
        !blocked.has(key) && 'a full public access block',
        !logged.has(key) && tags(b)['finlake:role'] !== 'access-logs' && 'server access logging',
      ].filter(Boolean);
      if (missing.length) out.push({ urn: b.urn, message: `bucket ${b.name} lacks ${missing.join(', ')}` });
    }
    return out;
  },
};

interface Stmt {
  Effect?: string;
  Action?: string | string[];
  Resource?: string | string[];
}
const noWildcardOnDataBuckets: Rule = {
  name: 'iam-no-wildcard-actions-on-data-buckets',
  description: 'No IAM statement allows `*` or `s3:*` on a data bucket (or on every resource).',
  check(rs) {
    const buckets = of(rs, T.bucket)
      .map(bucketKey)
      .filter((b): b is string => b !== undefined);
    const touchesData = (resource: string) =>
      resource === '*' ||
      resource === 'arn:aws:s3:::*' ||
      buckets.some((b) => resource === `arn:aws:s3:::${b}` || resource.startsWith(`arn:aws:s3:::${b}/`));
    const out: Violation[] = [];
    for (const p of of(rs, [T.rolePolicy, T.policy])) {
      const doc = str(p.props.policy);
      if (doc === undefined) continue;
      let statements: Stmt[];
      try {
        statements = arr<Stmt>((JSON.parse(doc) as { Statement?: unknown }).Statement);
      } catch {
        out.push({ urn: p.urn, message: `policy ${p.name} is not valid JSON` });
        continue;
      }
      for (const s of statements) {
        if (s.Effect !== 'Allow') continue;
        const wild = arr<string>(s.Action).filter((a) => a === '*' || a.toLowerCase() === 's3:*');
        const hit = arr<string>(s.Resource).filter(touchesData);
        if (wild.length && hit.length)
          out.push({
            urn: p.urn,
            message: `policy ${p.name} allows ${wild.join(', ')} on ${hit.join(', ')}`,
          });
      }
    }
    return out;
  },
};

const prodDatabases: Rule = {
  name: 'rds-prod-multi-az-protected',
  description: 'RDS is encrypted and private everywhere; in prod also Multi-AZ with deletion protection.',
  check(rs) {
    const out: Violation[] = [];
    for (const db of of(rs, T.rds)) {
      const problems = [
        db.props.storageEncrypted !== true && 'storage encryption',
        db.props.publiclyAccessible === true && 'no public access',
        tags(db).env === 'prod' && db.props.multiAz !== true && 'Multi-AZ (prod)',
        tags(db).env === 'prod' && db.props.deletionProtection !== true && 'deletion protection (prod)',
      ].filter(Boolean);
      if (problems.length) out.push({ urn: db.urn, message: `RDS ${db.name} needs ${problems.join(', ')}` });
    }
    return out;
  },
};

const listenersHttps: Rule = {
  name: 'alb-listeners-https',
  description: 'Load balancer listeners serve HTTPS, or only redirect HTTP to HTTPS.',
  check(rs) {
    return of(rs, T.listeners)
      .filter((l) => {
        if (l.props.protocol === 'HTTPS') return false;
        const actions = arr<{ type?: string; redirect?: { protocol?: string } }>(l.props.defaultActions);
        return !(
          actions.length > 0 &&
          actions.every((a) => a.type === 'redirect' && a.redirect?.protocol === 'HTTPS')
        );
      })
      .map((l) => ({
        urn: l.urn,
        message: `listener ${l.name} (${String(l.props.protocol)}) neither serves HTTPS nor redirects to it`,
      }));
  },
};

interface Ingress {
  cidrBlocks?: string[];
  ipv6CidrBlocks?: string[];
  fromPort?: number;
  toPort?: number;
}
const noOpenIngress: Rule = {
  name: 'sg-no-open-ingress',
  description:
    'No security group takes 0.0.0.0/0 (or ::/0) ingress, except a load balancer`s group on 443 or 80.',
  check(rs) {
    // A load balancer's groups, by id (props) and by URN (the engine's property dependencies).
    const albGroups = new Set(
      of(rs, T.loadBalancers).flatMap((lb) => [
        ...arr<string>(lb.props.securityGroups),
        ...(lb.propertyDependencies?.securityGroups ?? []),
      ]),
    );
    const isAlbGroup = (r: PolicyResource) =>
      albGroups.has(r.urn) || (r.id !== undefined && albGroups.has(r.id));
    const open = (i: Ingress) =>
      arr<string>(i.cidrBlocks).includes('0.0.0.0/0') || arr<string>(i.ipv6CidrBlocks).includes('::/0');
    const webPort = (i: Ingress) => i.fromPort === i.toPort && (i.fromPort === 443 || i.fromPort === 80);
    const out: Violation[] = [];
    for (const sg of of(rs, T.sg)) {
      for (const i of arr<Ingress>(sg.props.ingress)) {
        if (!open(i)) continue;
        if (!(isAlbGroup(sg) && webPort(i)))
          out.push({
            urn: sg.urn,
            message: `security group ${sg.name} is open to the internet on ${i.fromPort}-${i.toPort}`,
          });
      }
    }
    for (const r of [
      ...of(rs, T.ingressRule),
      ...of(rs, T.sgRule).filter((x) => x.props.type === 'ingress'),
    ]) {
      const cidr = str(r.props.cidrIpv4) ?? arr<string>(r.props.cidrBlocks)[0];
      if (
        cidr === '0.0.0.0/0' &&
        !(albGroups.has(str(r.props.securityGroupId) ?? '') && webPort(r.props as Ingress))
      )
        out.push({
          urn: r.urn,
          message: `ingress rule ${r.name} opens ${String(r.props.fromPort)} to the internet`,
        });
    }
    return out;
  },
};

interface LfTagPair {
  key: string;
  value: string;
}
interface TableWithColumns {
  databaseName: string;
  name: string;
  columnNames?: string[];
}
/** A gold table's columns as the catalog holds them (the table's `finlake.zone` parameter says gold). */
const goldTables = (rs: PolicyResource[]) =>
  of(rs, T.catalogTable)
    .filter((t) => (t.props.parameters as Record<string, string> | undefined)?.['finlake.zone'] === 'gold')
    .map((t) => ({
      r: t,
      database: str(t.props.databaseName),
      name: str(t.props.name),
      columns: arr<{ name: string }>(
        (t.props.storageDescriptor as { columns?: unknown } | undefined)?.columns,
      ).map((c) => c.name),
    }));

/** Each gold column's sensitivity as Lake Formation will see it: `db.table.column` -> tag value. */
export function goldColumnTags(rs: PolicyResource[]): Map<string, string> {
  const tags = new Map<string, string>();
  for (const r of of(rs, T.lfTags)) {
    const t = r.props.tableWithColumns as TableWithColumns | undefined;
    const tag = arr<LfTagPair>(r.props.lfTags).find((x) => x.key === GOVERNANCE.lfTagKey);
    if (!t || !tag) continue;
    for (const c of t.columnNames ?? []) tags.set(`${t.databaseName}.${t.name}.${c}`, tag.value);
  }
  return tags;
}

/**
 * Who may SELECT which gold column: grants by tag expression on TABLE resources, evaluated against the
 * columns' tags, and any named grant on a gold table. Principal -> set of `db.table.column`.
 */
export function goldColumnAccess(rs: PolicyResource[]): Map<string, Set<string>> {
  const tags = goldColumnTags(rs);
  const gold = goldTables(rs);
  const access = new Map<string, Set<string>>();
  const grant = (principal: string, column: string) => {
    if (!access.has(principal)) access.set(principal, new Set());
    access.get(principal)!.add(column);
  };
  for (const p of of(rs, T.lfPermissions)) {
    const principal = str(p.props.principal);
    if (!principal || !arr<string>(p.props.permissions).some((x) => x === 'SELECT' || x === 'ALL')) continue;
    const policy = p.props.lfTagPolicy as
      | { resourceType: string; expressions: { key: string; values: string[] }[] }
      | undefined;
    if (policy?.resourceType === 'TABLE') {
      for (const [column, value] of tags)
        if (policy.expressions.every((e) => e.key !== GOVERNANCE.lfTagKey || e.values.includes(value)))
          grant(principal, column);
      continue;
    }
    const named = (p.props.table ?? p.props.tableWithColumns) as
      | (TableWithColumns & { wildcard?: boolean })
      | undefined;
    for (const t of gold)
      if (named && named.databaseName === t.database && (named.wildcard || named.name === t.name))
        for (const c of named.columnNames ?? t.columns) grant(principal, `${t.database}.${t.name}.${c}`);
  }
  return access;
}

const goldColumnsTagged: Rule = {
  name: 'gold-columns-lf-tagged',
  description: `Every column of every gold table carries exactly one ${GOVERNANCE.lfTagKey} LF-Tag (from its contract).`,
  check(rs) {
    const counts = new Map<string, number>();
    for (const r of of(rs, T.lfTags)) {
      const t = r.props.tableWithColumns as TableWithColumns | undefined;
      if (t && arr<LfTagPair>(r.props.lfTags).some((x) => x.key === GOVERNANCE.lfTagKey))
        for (const c of t.columnNames ?? [])
          counts.set(
            `${t.databaseName}.${t.name}.${c}`,
            (counts.get(`${t.databaseName}.${t.name}.${c}`) ?? 0) + 1,
          );
    }
    const out: Violation[] = [];
    for (const t of goldTables(rs)) {
      if (!t.database || !t.name) continue; // unknown at preview
      for (const c of t.columns) {
        const n = counts.get(`${t.database}.${t.name}.${c}`) ?? 0;
        if (n !== 1)
          out.push({
            urn: t.r.urn,
            message: `gold column ${t.name}.${c} has ${n} ${GOVERNANCE.lfTagKey} tags: give it its contract's sensitivity (libs/schemas)`,
          });
      }
    }
    return out;
  },
};

const analystPublicOnly: Rule = {
  name: 'analyst-reads-public-gold-only',
  description: 'The analyst role is granted no restricted gold column, by tag expression or by name.',
  check(rs) {
    const tags = goldColumnTags(rs);
    const roleName = new RegExp(`^${GOVERNANCE.analystRole.replace('{env}', '[a-z]+')}$`);
    // The analyst role by its name (its ARN may be known only after it is created) or by its ARN.
    const analysts = new Set(
      of(rs, 'aws:iam/role:Role')
        .filter((r) => roleName.test(str(r.props.name) ?? ''))
        .map((r) => str(r.props.arn)),
    );
    const isAnalyst = (arn: string) => analysts.has(arn) || roleName.test(arn.split(':role/')[1] ?? '');
    const out: Violation[] = [];
    for (const [principal, columns] of goldColumnAccess(rs)) {
      if (!isAnalyst(principal)) continue;
      for (const c of columns)
        if (tags.get(c) !== 'public')
          out.push({
            urn: of(rs, T.lfPermissions).find((p) => p.props.principal === principal)!.urn,
            message: `the analyst role may read ${c}, which is ${tags.get(c) ?? 'untagged'}: grant analysts public columns only`,
          });
    }
    return out;
  },
};

export const RULES: Rule[] = [
  bucketsHardened,
  noWildcardOnDataBuckets,
  prodDatabases,
  listenersHttps,
  noOpenIngress,
  goldColumnsTagged,
  analystPublicOnly,
];
