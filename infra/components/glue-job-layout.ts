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
