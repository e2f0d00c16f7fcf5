/**
 * The explorer in a real browser (headless Chromium), offline: every request to anywhere but
 * 127.0.0.1 is failed and recorded. On each BFF's development page GraphiQL must start, show
 * the schema (with `@auth` requirements in the docs), run a query that reaches the backends,
 * and sign in with a pasted token, without the page ever reaching past 127.0.0.1.
 * Without chromium this skips locally and fails in CI (`.ci/run` installs it).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import type { BffName } from '../fixtures/startBffs.js';
import { startBackendsProcess, type BackendsProcess } from '../fixtures/startBackends.js';
import { startBff, tokenFor, type RunningBff } from '../fixtures/startBffs.js';
import { launchBrowser, openLocalOnlyPage, requireChromium } from '../fixtures/startBrowser.js';

/** Per BFF: a public query, a signed-in one, and a guarded field whose docs must say so. */
const CASES: Record<BffName, { query: string; expect: RegExp; signedIn: string; viewer: RegExp; guarded: RegExp }> = {
  web: {
    query: '{ product(id: "p-00001") { id title } }',
    expect: /"id": "p-00001"/,
    signedIn: '{ viewer { id } }',
    viewer: /"id": "u-00007"/,
    guarded: /Requires a signed-in user with the scope orders:read:all \(@auth\)/,
  },
  mobile: {
    query: '{ product(id: "p-00001") { id title } }',
    expect: /"id": "p-00001"/,
    signedIn: '{ home { viewer { id } } }',
    viewer: /"id": "u-00007"/,
    guarded: /Requires a signed-in user \(@auth\)/,
  },
};

let backends: BackendsProcess | undefined;
let browser: Browser | undefined;
const bffs: RunningBff[] = [];

describe('the explorer in a browser, offline', () => {
  let executablePath: string | undefined;

  before(async () => {
    executablePath = requireChromium({ skip: () => {} });
    if (!executablePath) return;
    backends = await startBackendsProcess();
    // bff-web is the browser's token handler against the demo IdP of these backends.
    const oidc = { OIDC_DISCOVERY_URL: `${backends.urls.idp}/.well-known/openid-configuration` };
    const started = await Promise.all([startBff('web', backends, oidc), startBff('mobile', backends), launchBrowser(executablePath)]);
    bffs.push(started[0], started[1]);
    browser = started[2];
  });
  after(async () => {
    await browser?.close();
    await Promise.all(bffs.map((b) => b.close()));
    await backends?.stop();
  });

  for (const name of ['web', 'mobile'] as const) {
    test(`bff-${name}: GraphiQL shows the schema and runs queries with nothing beyond 127.0.0.1`, async (t) => {
      if (!requireChromium(t)) return;
      const bff = bffs.find((b) => b.name === name)!;
      const c = CASES[name];
      const { page, outside, errors } = await openLocalOnlyPage(browser!);
      try {
        await page.goto(`${bff.url}?query=${encodeURIComponent(c.query)}`);
        await page.waitForSelector('.graphiql-container');

        // First visit: "Getting started" is open and tells how to sign in.
        await waitForText(page, '.graphiql-plugin', /npm run -s token -- --sub u-00007/);

        // The schema arrived by introspection: the docs list the root types and say which fields need a user.
        await page.click('button[aria-label="Show Documentation Explorer"]');
        await clickText(page, '.graphiql-doc-explorer a', 'Query');
        await waitForText(page, '.graphiql-doc-explorer', c.guarded);
        // The explorer plugin builds queries from the same schema.
        await page.click('button[aria-label="Show GraphiQL Explorer"]');
        await waitForText(page, '.graphiql-plugin', /product/);

        // The query from the link runs: data from the backends, and the pre-filled x-bff-debug
        // header asked for the fan-out receipt. The Authorization placeholder was not sent.
        await page.click('.graphiql-execute-button');
        const anonymous = await waitForResponse(page, c.expect);
        assert.match(anonymous, /"fanout"/);
        assert.doesNotMatch(anonymous, /"errors"/);

        // Pasting a token into the headers signs the viewer in.
        const token = await tokenFor(backends!, 'u-00007');
        await setEditor(page, '.graphiql-editor-tool .graphiql-editor:not(.hidden)', JSON.stringify({ Authorization: `Bearer ${token}` }));
        await setEditor(page, '.graphiql-query-editor', c.signedIn);
        await page.click('.graphiql-execute-button');
        await waitForResponse(page, c.viewer);

        assert.deepEqual(outside, [], 'the page asked for nothing beyond 127.0.0.1');
        assert.deepEqual(errors, [], 'no script errors');
      } finally {
        await page.close();
      }
    });
  }

  test('bff-web: sign in from the explorer through the token handler, run a staff query with the session cookie, sign out', async (t) => {
    if (!requireChromium(t)) return;
    const bff = bffs.find((b) => b.name === 'web')!;
    const { page, outside, errors } = await openLocalOnlyPage(browser!);
    const staffQuery = '{ orders(first: 1) { nodes { id } } }';
    const run = async (pattern: RegExp) => {
      await setEditor(page, '.graphiql-query-editor', staffQuery);
      await setEditor(page, '.graphiql-editor-tool .graphiql-editor:not(.hidden)', '{}');
      await page.click('.graphiql-execute-button');
      return waitForResponse(page, pattern);
    };
    try {
      await page.goto(bff.url);
      await page.waitForSelector('.graphiql-container');
      // Signed out: the staff field is refused.
      await run(/UNAUTHENTICATED/);
      // "Getting started" offers the sign-in (open on a first visit; opened here otherwise); the IdP's page picks a user.
      await openHelp(page);
      await page.waitForSelector('a.bff-sign-in');
      await Promise.all([page.waitForNavigation(), page.click('a.bff-sign-in')]);
      await Promise.all([page.waitForNavigation(), page.click('button[name="login_user"][value="u-00001"]')]);
      await page.waitForSelector('.graphiql-container');
      assert.equal(new URL(page.url()).pathname, '/graphql', 'back on the explorer');
      // The page holds no token: the session cookie is HttpOnly, and the staff query now runs.
      assert.equal(await page.evaluate(() => document.cookie), '');
      await run(/"nodes"/);
      // Sign out from the help panel: the same query is refused again.
      await openHelp(page);
      await page.waitForSelector('.bff-sign-out');
      await Promise.all([page.waitForNavigation(), page.click('.bff-sign-out')]);
      await page.waitForSelector('.graphiql-container');
      await run(/UNAUTHENTICATED/);
      assert.deepEqual(outside, [], 'the page asked for nothing beyond 127.0.0.1');
      // The browser logs each of the two refused (401) queries asked for above; nothing else.
      assert.deepEqual(
        errors.filter((e) => !/status of 401/.test(e)),
        [],
        'no script errors',
      );
      assert.equal(errors.length, 2);
    } finally {
      await page.close();
    }
  });
});

/** Opens the "Getting started" panel unless it is open already (its button toggles it). */
async function openHelp(page: Page): Promise<void> {
  if (await page.$('.bff-help')) return;
  await page.click('button[aria-label="Show Getting started"]');
  await page.waitForSelector('.bff-help');
}

/** Waits until the text of the first element matching `selector` matches `pattern`. */
async function waitForText(page: Page, selector: string, pattern: RegExp): Promise<void> {
  await page.waitForFunction(
    (sel, source, flags) => new RegExp(source, flags).test(document.querySelector(sel)?.textContent ?? ''),
    {},
    selector,
    pattern.source,
    pattern.flags,
  );
}

/** Clicks the first element matching `selector` whose text is `text`, once there is one. */
async function clickText(page: Page, selector: string, text: string): Promise<void> {
  const handle = await page.waitForFunction(
    (sel, want) => [...document.querySelectorAll(sel)].find((e) => e.textContent?.trim() === want),
    {},
    selector,
    text,
  );
  await (handle.asElement() as import('puppeteer-core').ElementHandle<Element>).click();
}

/** Replaces the text of the CodeMirror 5 editor inside `container` (GraphiQL 4's editors), through the API its DOM node exposes. */
async function setEditor(page: Page, container: string, value: string): Promise<void> {
  await page.evaluate(
    (sel, text) => {
      const node = document.querySelector(`${sel} .CodeMirror`) as unknown as { CodeMirror: { setValue(v: string): void } };
      node.CodeMirror.setValue(text);
    },
    container,
    value,
  );
}

/** @returns the response pane's text once it matches `pattern`. */
async function waitForResponse(page: Page, pattern: RegExp): Promise<string> {
  const handle = await page.waitForFunction(
    (source, flags) => {
      const node = document.querySelector('.result-window .CodeMirror') as unknown as { CodeMirror: { getValue(): string } } | null;
      const text = node?.CodeMirror.getValue() ?? '';
      return new RegExp(source, flags).test(text) ? text : undefined;
    },
    {},
    pattern.source,
    pattern.flags,
  );
  return (await handle.jsonValue()) as string;
}
