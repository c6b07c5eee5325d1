export { writeGoldFixture } from './gold-fixture.ts';
