import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitepress';

// One page per data source: the hand-written ones and those `nx g @finlake/workspace:source` adds.
const sourcePages = readdirSync(join(import.meta.dirname, '..', 'sources'))
  .filter((f) => f.endsWith('.md') && f !== 'index.md')
  .sort()
  .map((f) => ({
    text: f.replace(/\.md$/, '').replace(/-/g, '_'),
    link: `/sources/${f.replace(/\.md$/, '')}`,
  }));

// The site is built offline (make test) and published by .github/workflows/docs.yml to GitHub Pages, under
// the repository's name; FINLAKE_DOCS_BASE sets that path there, the root locally.
export default defineConfig({
  title: 'Finlake',
  description: 'A financial data platform on AWS that also runs offline on one machine.',
  base: process.env.FINLAKE_DOCS_BASE ?? '/',
  outDir: '../dist/docs',
  cleanUrls: false,
  lastUpdated: false,
  // The test fails on a broken internal link in the browser; the build fails on one first.
  ignoreDeadLinks: [/^\/dbt\//],
  srcExclude: ['test/**', 'scripts/**', 'README.md'],
  themeConfig: {
    search: { provider: 'local' },
    nav: [
      { text: 'Get started', link: '/' },
      { text: 'Cookbook', link: '/cookbook/new-source' },
      { text: 'Runbooks', link: '/runbooks/' },
      { text: 'Reference', link: '/reference/data-dictionary' },
    ],
    sidebar: [
      {
        text: 'Introduction',
        items: [
          { text: 'Getting started', link: '/' },
          { text: 'Architecture', link: '/architecture' },
          { text: 'The local development stack', link: '/local-stack' },
        ],
      },
      {
        text: 'Cookbook',
        items: [{ text: 'Onboarding a new data source', link: '/cookbook/new-source' }],
      },
      {
        text: 'Sources',
        items: [{ text: 'All sources', link: '/sources/' }, ...sourcePages],
      },
      {
        text: 'Runbooks',
        items: [
          { text: 'All runbooks', link: '/runbooks/' },
          { text: 'The nightly failed', link: '/runbooks/nightly-failed' },
          { text: 'The quality gate closed', link: '/runbooks/gate-closed' },
          { text: 'Backfill a range', link: '/runbooks/backfill' },
          { text: 'Roll gold back', link: '/runbooks/roll-back-gold' },
          { text: 'Rotate a secret', link: '/runbooks/rotate-secret' },
          { text: "Add a user's entitlements", link: '/runbooks/entitlements' },
          { text: 'The news producer is lagging', link: '/runbooks/producer-lagging' },
        ],
      },
      {
        text: 'Operate',
        items: [
          { text: 'Deploying to AWS', link: '/deploy' },
          { text: 'Governance', link: '/governance' },
          { text: 'Observability', link: '/observability' },
        ],
      },
      {
        text: 'Reference',
        items: [
          { text: 'Data dictionary', link: '/reference/data-dictionary' },
          { text: 'API reference', link: '/reference/api' },
          { text: 'dbt docs', link: '/reference/dbt' },
        ],
      },
    ],
  },
});
