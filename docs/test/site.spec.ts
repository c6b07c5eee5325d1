// The built site in a real browser (Debian's Chromium, driven by playwright-core), served on 127.0.0.1:
// every page reachable from the home page renders with no console error, every internal link and anchor
// resolves, the search finds a runbook, and every command in the cookbook and runbooks parses against the
// real CLI. Needs `nx run docs:build` first (the test target depends on it).
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { commandsOf, checkCommand } from './commands.ts';

const DOCS = join(import.meta.dirname, '..');
const REPO = join(DOCS, '..');
const SITE = join(REPO, 'dist', 'docs');
const SHOTS = join(REPO, 'dist', 'test-reports', 'docs-screenshots');
const BROWSERS = ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium'];
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
};

/** A static file server over the built site, as GitHub Pages serves it (`/x/` -> `/x/index.html`). */
function serve(root: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = normalize(join(root, path));
    if (!file.startsWith(root)) return void res.writeHead(403).end();
    if (path.endsWith('/')) file = join(file, 'index.html');
    if (!existsSync(file)) return void res.writeHead(404, { 'content-type': 'text/html' }).end('not found');
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

let server: Server;
let browser: Browser;
let origin: string;

beforeAll(async () => {
  if (!existsSync(join(SITE, 'index.html')))
    throw new Error(`no built site at ${SITE}: run npx nx run docs:build`);
  const executablePath = BROWSERS.find((b) => existsSync(b));
  if (!executablePath)
    throw new Error(
      `no Chromium at ${BROWSERS.join(' or ')}: make setup installs Debian's chromium-headless-shell`,
    );
  server = await serve(SITE);
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath, headless: true });
});
afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
});

describe('the documentation site', () => {
  it('renders every page with no console error, and every internal link and anchor resolves', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
    const seen = new Set<string>();
    const queue = ['/'];
    const broken: string[] = [];
    const anchors: { from: string; to: string }[] = [];
    while (queue.length) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const res = await page.goto(origin + path, { waitUntil: 'networkidle' });
      if (res?.status() !== 200) {
        broken.push(`${path} (${res?.status()})`);
        continue;
      }
      expect(await page.locator('main h1').count(), `${path} has a title`).toBeGreaterThan(0);
      const links = await page.$$eval('a[href]', (as) => as.map((a) => (a as HTMLAnchorElement).href));
      for (const href of links) {
        const url = new URL(href);
        if (url.origin !== origin) continue;
        // dbt's own site is checked for existence only (it is dbt's app, not a page of this site).
        if (url.pathname.startsWith('/dbt/')) {
          const got = await fetch(url.origin + url.pathname);
          if (got.status !== 200) broken.push(`${url.pathname} (${got.status}, linked from ${path})`);
          continue;
        }
        if (url.hash) anchors.push({ from: path, to: url.pathname + url.hash });
        queue.push(url.pathname);
      }
    }
    for (const { from, to } of anchors) {
      const [pathname, hash] = to.split('#') as [string, string];
      await page.goto(origin + pathname, { waitUntil: 'domcontentloaded' });
      const found = await page.evaluate((id) => !!document.getElementById(decodeURIComponent(id)), hash);
      if (!found) broken.push(`${to} (no such anchor, linked from ${from})`);
    }
    await context.close();
    expect(broken).toEqual([]);
    expect(errors).toEqual([]);
    // Every page of the sidebar was reached (the crawl is not vacuous).
    for (const p of ['/architecture.html', '/cookbook/new-source.html', '/runbooks/backfill.html'])
      expect(seen).toContain(p);
    expect(seen.size).toBeGreaterThanOrEqual(17);
  }, 120_000);

  it('finds a runbook with the search box', async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/`, { waitUntil: 'networkidle' });
    await page.locator('.VPNavBarSearch button').first().click();
    const input = page.locator('input.search-input');
    await input.fill('rollback');
    const result = page.locator('.VPLocalSearchBox .result').first();
    await result.waitFor({ timeout: 10_000 });
    expect(await page.locator('.VPLocalSearchBox .result').count()).toBeGreaterThan(0);
    const hrefs = await page.$$eval('.VPLocalSearchBox .result', (as) =>
      as.map((a) => a.getAttribute('href') ?? ''),
    );
    expect(hrefs.some((h) => h.includes('roll-back-gold'))).toBe(true);
    await page.close();
  }, 60_000);

  it('takes screenshots of three pages (the note shows them)', async () => {
    mkdirSync(SHOTS, { recursive: true });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    for (const [name, path] of [
      ['getting-started', '/'],
      ['cookbook', '/cookbook/new-source.html'],
      ['data-dictionary', '/reference/data-dictionary.html'],
    ] as const) {
      await page.goto(origin + path, { waitUntil: 'networkidle' });
      await page.screenshot({ path: join(SHOTS, `${name}.png`) });
    }
    await page.close();
    expect(readdirSync(SHOTS).filter((f) => f.endsWith('.png'))).toHaveLength(3);
  }, 60_000);
});

describe('the commands in the cookbook and the runbooks', () => {
  const pages = [
    ...readdirSync(join(DOCS, 'runbooks')).map((f) => join(DOCS, 'runbooks', f)),
    ...readdirSync(join(DOCS, 'cookbook')).map((f) => join(DOCS, 'cookbook', f)),
    join(DOCS, 'index.md'),
    join(DOCS, 'local-stack.md'),
  ];
  const commands = pages.flatMap((p) => commandsOf(readFileSync(p, 'utf8')).map((c) => ({ page: p, c })));

  it('finds the commands, and refuses ones that do not exist (the check is not vacuous)', () => {
    expect(commands.filter(({ c }) => c.startsWith('npx finlake')).length).toBeGreaterThan(15);
    expect(checkCommand('npx finlake pipeline run --form 2020-12-01')).toEqual([
      'finlake pipeline run has no option --form (see npx finlake pipeline run --help)',
    ]);
    expect(checkCommand('npx finlake pipelines run')[0]).toMatch(/finlake is a group/);
    expect(checkCommand('npx finlake news')[0]).toMatch(
      /finlake news is a group: name one of its commands \(run, replay-dead-letters\)/,
    );
    expect(checkCommand('make tests')).toEqual(['the Makefile has no target tests']);
    expect(checkCommand('bash tools/scripts/nope.sh')).toEqual(['no script tools/scripts/nope.sh']);
    // A generator's options are its schema's: a misspelt option, or a value outside the listed ones.
    expect(checkCommand('npx nx g @finlake/workspace:source fmp_x --field a:double --dry-run')).toEqual([
      '@finlake/workspace:source has no option --field (./src/generators/source/schema.json)',
    ]);
    expect(checkCommand('npx nx g @finlake/workspace:source fmp_x --kind soap')).toEqual([
      '@finlake/workspace:source --kind soap is not one of rest, stream',
    ]);
    expect(checkCommand('npx nx g @finlake/workspace:sources fmp_x')).toEqual([
      '@finlake/workspace has no generator sources',
    ]);
  }, 60_000);

  it.each(commands.map(({ page, c }) => [c, page.slice(DOCS.length + 1)]))(
    '%s (%s) parses against the real CLI',
    (command) => {
      expect(checkCommand(command)).toEqual([]);
    },
    60_000,
  );
});
