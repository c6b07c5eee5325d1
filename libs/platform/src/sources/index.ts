// Sources added with `npx nx g @finlake/workspace:source` (one file each beside this one). The generator
// inserts above the markers; the lines are ordinary code, to be edited or removed by hand like any other.
import type { SourceDataset } from '../lake.ts';
// finlake:source-imports
// finlake:source-exports

export const GENERATED_SOURCES: readonly SourceDataset[] = [
  // finlake:source-entries
];
