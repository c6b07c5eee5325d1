export { goldSelect, writeGoldFixture, writeNewsFixture, writeSeriesFixture } from './gold-fixture.ts';
