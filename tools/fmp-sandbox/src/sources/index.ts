// Endpoints of sources added with `npx nx g @finlake/workspace:source --kind rest` (one file each beside
// this one), served by the sandbox like its recorded ones. The generator inserts above the markers.
// finlake:source-imports

/** One endpoint the sandbox serves: its path, and the answer to a request for it. */
export interface SandboxRoute {
  readonly path: string;
  answer(url: URL): { status: number; body: string };
}

export const GENERATED_ROUTES: readonly SandboxRoute[] = [
  // finlake:source-entries
];
