// GraphiQL in headless Chromium, with every request to a host other than 127.0.0.1 blocked
// and counted: the page must work offline (issue 20). Started by ./run, which serves civlink
// and sets the environment below; ends with the line `N passed, N failed`.
//
//   CIVLINK_URL         the server, e.g. http://127.0.0.1:8123 (its host must be 127.0.0.1)
//   CIVLINK_TOKEN       an ADMIN token for the server (`civlink serve --demo` prints one)
//   CHROMIUM            the browser (default /usr/bin/chromium, Debian's package)
//   SCREENSHOT          where to save the picture of GraphiQL with docs and a result (optional)

import { chromium } from 'playwright-core';

const base = process.env.CIVLINK_URL;
const token = process.env.CIVLINK_TOKEN;
if (!base || !token) {
  console.error('set CIVLINK_URL and CIVLINK_TOKEN (tests/browser/run does)');
  process.exit(2);
}
const ALLOWED_HOST = '127.0.0.1';
const TIMEOUT_MS = 30_000;

// Without the background-networking flags Chromium opens connections of its own (component
// updates, field trials), which this sandbox refuses.
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});

const context = await browser.newContext({ viewport: { width: 1800, height: 950 }, serviceWorkers: 'block' });
const outside = new Set(); // every URL on another host the page tried to reach
await context.route('**/*', (route) => {
  const url = new URL(route.request().url());
  if (url.hostname === ALLOWED_HOST || url.protocol === 'data:' || url.protocol === 'blob:') {
    return route.continue();
  }
  outside.add(route.request().url());
  return route.abort('blockedbyclient');
});
// Requests that bypass routing (WebSockets, some prefetches) still show up here.
context.on('request', (request) => {
  const url = new URL(request.url());
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) return;
  if (url.hostname !== ALLOWED_HOST) outside.add(request.url());
});
context.on('websocket', (ws) => {
  if (new URL(ws.url()).hostname !== ALLOWED_HOST) outside.add(ws.url());
});

const page = await context.newPage();
page.setDefaultTimeout(TIMEOUT_MS);
const scriptErrors = [];
page.on('pageerror', (error) => scriptErrors.push(String(error)));
const failedLocal = [];
page.on('response', (response) => {
  // A favicon is not part of GraphiQL; anything else civlink fails to serve is.
  if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) {
    failedLocal.push(`${response.status()} ${response.url()}`);
  }
});

let passed = 0;
let failed = 0;
async function test(name, body) {
  try {
    await body();
    passed += 1;
    console.log(`ok - ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`FAIL - ${name}\n  ${String(error && error.stack ? error.stack : error).split('\n').join('\n  ')}`);
  }
}
function assert(condition, message) {
  if (!condition) throw new Error(message);
}

await test('GraphiQL renders from assets civlink serves', async () => {
  const response = await page.goto(`${base}/graphql`, { waitUntil: 'load' });
  assert(response && response.ok(), `GET /graphql: ${response && response.status()}`);
  await page.locator('.graphiql-container').waitFor();
  await page.locator('.graphiql-query-editor .CodeMirror').waitFor();
  const query = await page.evaluate(() => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue());
  assert(query.includes('region(code: "522301")'), `the default query is not README's first query:\n${query}`);
  assert(query.includes('{"Authorization": "Bearer <token>"}'), 'the default query has no hint on the token header');
  assert(scriptErrors.length === 0, `script errors: ${scriptErrors.join('; ')}`);
});

await test('the docs explorer lists Query', async () => {
  await page.locator('button[aria-label*="Documentation Explorer"]').click();
  const docs = page.locator('.graphiql-doc-explorer');
  await docs.waitFor();
  // The root types section: "query: Query" (a label, then a link), once the schema has been
  // introspected.
  const queryType = docs
    .locator('div', { has: page.locator('span.graphiql-doc-explorer-root-type', { hasText: /^query$/ }) })
    .locator('a.graphiql-doc-explorer-type-name', { hasText: /^Query$/ })
    .first();
  try {
    await queryType.waitFor();
  } catch (error) {
    const shown = await docs.innerText().catch(() => '');
    throw new Error(`no Query in the docs explorer; it shows: ${shown.slice(0, 500)}`);
  }
  // Into Query: its fields, with the descriptions the code's docstrings give.
  await queryType.click();
  await docs.locator('.graphiql-doc-explorer-field-name', { hasText: /^region$/ }).first().waitFor();
});

await test('a query with the token header runs and its data shows in the result pane', async () => {
  // The headers editor is open (defaultEditorToolsVisibility); set it through CodeMirror, whose
  // bracket auto-closing would garble typed JSON.
  const headers = page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror');
  await headers.waitFor();
  await headers.evaluate((el, value) => el.CodeMirror.setValue(value), JSON.stringify({ Authorization: `Bearer ${token}` }));
  const answer = page.waitForResponse((r) => r.url() === `${base}/graphql` && r.request().method() === 'POST'
    && (r.request().postData() || '').includes('522301'));
  await page.locator('.graphiql-execute-button').click();
  const body = await (await answer).json();
  assert(!body.errors, `errors: ${JSON.stringify(body.errors)}`);
  const region = body.data && body.data.region;
  assert(region && region.name === '兴义市', `data: ${JSON.stringify(body).slice(0, 500)}`);
  assert(region.stations.nodes.length === 2, `stations: ${JSON.stringify(region.stations)}`);
  assert(region.stations.nodes[0].socialWorkers.totalCount > 0, 'no social workers: was the token sent?');
  // What the user sees: the result pane shows the answer.
  await page.locator('.result-window', { hasText: '兴义市' }).waitFor();
  const shown = await page.locator('.result-window').innerText();
  assert(shown.includes('"stations"'), `result pane: ${shown.slice(0, 500)}`);
  if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT });
});

await test('a subscription runs over the WebSocket with the token header and shows a change', async () => {
  // The Headers pane still holds the token (the test above): GraphiQL sends it as the
  // payload of graphql-transport-ws's connection_init.
  const subscription = 'subscription { changes(types: [STATION]) { cursor action nodeType node { ... on Station { name } } } }';
  await page.evaluate((q) => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(q), subscription);
  // GraphiQL parses the editor's text after a pause, and sends an operation it has not parsed
  // yet as a query over HTTP.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const acked = new Promise((resolve) => {
    page.on('websocket', (ws) => ws.on('framereceived', (f) => {
      if (String(f.payload).includes('connection_ack')) resolve();
    }));
  });
  await page.locator('.graphiql-execute-button').click();
  // Acknowledged before the write, so the change comes live.
  await Promise.race([acked, new Promise((_, reject) => setTimeout(() => reject(new Error('no connection_ack')), 15_000))]);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const name = `浏览器订阅测试站${Date.now() % 100000}`;
  const created = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      query: 'mutation($input: CreateStationInput!) { createStation(input: $input) { station { id } userErrors { code message } } }',
      variables: { input: { name, level: 'TOWNSHIP_STATION', regionCode: '522301001000' } },
    }),
  }).then((r) => r.json());
  assert(created.data && created.data.createStation.station, `createStation: ${JSON.stringify(created)}`);
  try {
    await page.locator('.result-window', { hasText: name }).waitFor({ timeout: 15_000 });
  } catch (error) {
    const shown = await page.locator('.result-window').innerText().catch(() => '');
    throw new Error(`the event did not show; the result pane shows: ${shown.slice(0, 500)}`);
  }
  const shown = await page.locator('.result-window').innerText();
  assert(shown.includes('"CREATED"') && shown.includes('"STATION"'), `result pane: ${shown.slice(0, 500)}`);
  // Stop the subscription (the button toggles while it runs).
  await page.locator('.graphiql-execute-button').click();
});

await test('no request left 127.0.0.1 and every request to civlink succeeded', async () => {
  assert(outside.size === 0, `${outside.size} URL(s) on other hosts requested: ${[...outside].join(', ')}`);
  assert(failedLocal.length === 0, `failed requests: ${failedLocal.join(', ')}`);
  assert(scriptErrors.length === 0, `script errors: ${scriptErrors.join('; ')}`);
});

await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
