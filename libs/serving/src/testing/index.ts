export { goldSelect, writeGoldFixture, writeNewsFixture } from './gold-fixture.ts';
