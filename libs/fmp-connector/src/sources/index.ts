// FMP endpoints added with `npx nx g @finlake/workspace:source --kind rest` (one file each beside this
// one). The generator inserts above the markers.
import type { FmpDataset } from '../datasets.ts';
// finlake:source-imports

export const GENERATED_FMP_DATASETS: readonly FmpDataset[] = [
  // finlake:source-entries
];
