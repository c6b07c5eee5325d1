export { goldSelect, writeGoldFixture } from './gold-fixture.ts';
