// Pure (no Pulumi import), so tests can build the same zip the program uploads.
/**
 * What `finlake_glue.zip` holds (for `--extra-py-files`): the package at the root, with the generated
 * contracts and the platform contract inside it, where `finlake_glue.contract` looks first. Pure, so a test
 * can build the same zip and import the job from it with no checkout around.
 */
export function gluePackageLayout(a: { packageDir: string; contractsDir: string; platformJson: string }) {
  return {
    finlake_glue: { dir: a.packageDir },
    'finlake_glue/contracts': { dir: a.contractsDir },
    'finlake_glue/platform.json': { file: a.platformJson },
  } as const;
}

/** What Glue 5.0 brings itself: Spark, its own awsglue, and the AWS SDK for Python. */
export const GLUE_PROVIDED = ['pyspark', 'awsglue', 'boto3', 'botocore'] as const;

/**
 * `--additional-python-modules` from the job's pyproject.toml (its `dependencies` pins, the versions the
 * tests here run): every pin Glue does not bring itself, e.g. `pyarrow==18.1.0,vaderSentiment==3.3.2`.
 */
export function glueAdditionalModules(pyprojectToml: string): string {
  const list = /^dependencies\s*=\s*\[([^\]]*)\]/m.exec(pyprojectToml);
  if (!list) throw new Error('the Glue job pyproject.toml has no dependencies = [...] list');
  const pins = [...list[1]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]!.replace(/\s+/g, ''));
  const loose = pins.filter((p) => !/^[A-Za-z0-9_.-]+==[A-Za-z0-9_.+-]+$/.test(p));
  if (loose.length) throw new Error(`Glue job dependencies must be pinned with ==: ${loose.join(', ')}`);
  const provided = new Set<string>(GLUE_PROVIDED);
  return pins.filter((p) => !provided.has(p.split('==')[0]!.toLowerCase())).join(',');
}
