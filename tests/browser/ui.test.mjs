// The web UI in headless Chromium against the real `pipegrid up`: submit a
// diamond DAG through the page and watch it turn green, follow a task's log
// while it runs, filter the job list, the workers page, requeue a dead
// letter, cancel from the job page, a fan-out job's instances grouped under
// their task with its kept files, and a rejected spec. Screenshots of each
// page go to $PIPEGRID_SCREENSHOT_DIR (<build>/screenshots).
//
// Waits are on real conditions (selectors, page state, the REST API) with
// deadlines; nothing sleeps to let something happen.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  api,
  launchBrowser,
  screenshot,
  startServer,
  waitForJob,
  whyNoBrowser,
} from './harness.mjs';

const DIAMOND = `apiVersion: pipegrid/v1
kind: Job
metadata:
  name: browser-diamond
  labels: {suite: browser}
spec:
  tasks:
    - name: fetch
      steps: [{commands: ["seq 1 5 > numbers.txt", "echo fetched $(wc -l < numbers.txt) numbers"]}]
    - name: square
      dependsOn: [fetch]
      steps: [{commands: ["sleep 1", "for i in 1 2 3; do echo square $((i * i)); done"]}]
    - name: cube
      dependsOn: [fetch]
      steps: [{commands: ["sleep 1", "for i in 1 2 3; do echo cube $((i * i * i)); done"]}]
    - name: report
      dependsOn: [square, cube]
      steps: [{commands: ["echo report of job $PIPEGRID_JOB_ID"]}]
`;

// Prints for about ten seconds: long enough to see output before it ends.
const TICKER = `apiVersion: pipegrid/v1
kind: Job
metadata: {name: browser-ticker}
spec:
  tasks:
    - name: ticker
      steps: [{commands: ["for i in $(seq 1 20); do echo tick $i; sleep 0.5; done"]}]
`;

const FAILING = `apiVersion: pipegrid/v1
kind: Job
metadata: {name: browser-fails}
spec:
  tasks:
    - name: flaky
      steps: [{commands: ["echo about to fail", "exit 3"]}]
`;

const SLEEPER = `apiVersion: pipegrid/v1
kind: Job
metadata: {name: browser-sleeper}
spec:
  tasks:
    - name: nap
      steps: [{commands: ["sleep 300"]}]
`;

// fetch lists six pages, ocr runs once per page and keeps what it printed;
// page 4 fails for good, so join never runs.
const FANOUT = `apiVersion: pipegrid/v1
kind: Job
metadata: {name: browser-fanout}
spec:
  tasks:
    - name: fetch
      steps: [{commands: ["seq 1 6 > list.txt"]}]
      outputs: {files: [list.txt]}
    - name: ocr
      dependsOn: [fetch]
      forEach: {from: fetch, file: list.txt}
      steps: [{commands: ["echo page $PIPEGRID_ITEM | tee out.txt", "[ $PIPEGRID_ITEM != 4 ] || exit 3"]}]
      outputs: {files: [out.txt]}
    - name: join
      dependsOn: [ocr]
      steps: [{commands: ["cat inputs/ocr*/out.txt"]}]
`;

// states.js: the colour of a box is part of what the user reads.
const FILL = { SUCCEEDED: '#15803d', CANCELLED: '#4b5563', RUNNING: '#2563eb' };

describe('web UI', { skip: whyNoBrowser() ?? false }, () => {
  let server;
  let browser;
  let page;
  const pageErrors = [];
  const foreignRequests = [];
  let diamondId;
  let tickerId;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(60_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) pageErrors.push(m.text());
    });
    // Everything must come from the master: no CDN, no other host.
    page.on('request', (r) => {
      const u = r.url();
      if (!u.startsWith(server.url) && !u.startsWith('data:')) foreignRequests.push(u);
    });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  // Each box's state and fill colour, by task name.
  const graph = () =>
    page.$$eval('g.node', (nodes) =>
      Object.fromEntries(
        nodes.map((n) => [n.dataset.task, { state: n.dataset.state, fill: n.querySelector('rect').getAttribute('fill') }]),
      ),
    );

  it('submits a diamond DAG through the submit page and watches it turn green', async () => {
    await page.goto(`${server.url}/#/submit`);
    await page.fill('textarea[name=spec]', DIAMOND);
    await page.click('button[type=submit]');
    await page.waitForURL(/#\/jobs\/[^/?]+$/);
    diamondId = decodeURIComponent(new URL(page.url()).hash.split('/')[2]);

    // The graph is drawn at once: four boxes, four arrows.
    await page.waitForFunction(() => document.querySelectorAll('g.node').length === 4);
    assert.equal(await page.locator('path.edge').count(), 4);
    await screenshot(page, 'job-submitted');

    // Live updates turn every box green without a reload.
    await page.waitForFunction(
      () => [...document.querySelectorAll('g.node')].every((n) => n.dataset.state === 'SUCCEEDED'),
      null,
      { timeout: 90_000 },
    );
    const boxes = await graph();
    assert.deepEqual(Object.keys(boxes).sort(), ['cube', 'fetch', 'report', 'square']);
    for (const [name, box] of Object.entries(boxes)) {
      assert.equal(box.fill, FILL.SUCCEEDED, `${name} is drawn green`);
    }
    await page.waitForSelector('h1 [data-state=SUCCEEDED]');
    // Dependencies left of their dependents.
    const x = await page.$$eval('g.node', (ns) =>
      Object.fromEntries(ns.map((n) => [n.dataset.task, n.getBoundingClientRect().x])),
    );
    assert.ok(x.fetch < x.square && x.square === x.cube && x.cube < x.report, JSON.stringify(x));
    // The history lists the transitions.
    await page.waitForSelector('table.events td:text-is("report")');
    await screenshot(page, 'job-succeeded');

    const job = (await api(server, 'GET', `/jobs/${diamondId}`)).body;
    assert.equal(job.state, 'SUCCEEDED');
  });

  it("follows a task's log while it runs", async () => {
    const submitted = await api(server, 'POST', '/jobs', TICKER);
    assert.equal(submitted.status, 201);
    tickerId = submitted.body.id;

    await page.goto(`${server.url}/#/jobs/${tickerId}`);
    await page.click('g.node[data-task=ticker]');
    await page.waitForSelector('[data-testid=task-panel]');
    const log = page.locator('[data-testid=log-text]');
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=log-text]')?.textContent.includes('tick 1\n'),
    );
    // Output arrived while the task was still at it: the log is live.
    const during = (await api(server, 'GET', `/jobs/${tickerId}`)).body;
    assert.equal(during.tasks[0].state, 'RUNNING', 'the log showed output before the task ended');
    await screenshot(page, 'task-log-live');

    await page.waitForFunction(
      () => document.querySelector('[data-testid=log-text]')?.textContent.includes('tick 20'),
      null,
      { timeout: 90_000 },
    );
    await page.waitForSelector('[data-status=complete]');
    const text = await log.textContent();
    for (let i = 1; i <= 20; i++) assert.ok(text.includes(`tick ${i}\n`), `tick ${i} in the log`);
    await page.waitForSelector('g.node[data-task=ticker][data-state=SUCCEEDED]');

    // A finished task's log, chosen from the graph of the diamond.
    await page.goto(`${server.url}/#/jobs/${diamondId}`);
    await page.click('g.node[data-task=report]');
    await page.waitForFunction(
      (id) => document.querySelector('[data-testid=log-text]')?.textContent.includes(`report of job ${id}`),
      diamondId,
    );
    await page.waitForSelector('table.attempts [data-outcome=succeeded]');
    await screenshot(page, 'task-log');
  });

  it('lists jobs with their counters and filters them', async () => {
    await page.goto(`${server.url}/#/jobs`);
    const diamondRow = page.locator(`tr[data-job-id="${diamondId}"]`);
    await diamondRow.waitFor();
    await page.locator(`tr[data-job-id="${tickerId}"]`).waitFor();
    assert.equal(await diamondRow.locator('[data-state]').first().getAttribute('data-state'), 'SUCCEEDED');
    assert.match(await diamondRow.textContent(), /4\/4/);
    assert.match(await diamondRow.textContent(), /suite=browser/);
    // The SUCCEEDED counter counts both finished jobs.
    assert.equal(
      (await page.locator('[data-filter-state=SUCCEEDED] b').textContent()).trim(),
      '2',
    );
    await screenshot(page, 'job-list');

    // A label filter keeps only the labelled job, and lives in the URL.
    await page.fill('input[name=label]', 'suite=browser');
    await page.click('form[aria-label=filters] button[type=submit]');
    await page.waitForURL(/label=suite%3Dbrowser/);
    await page.locator(`tr[data-job-id="${tickerId}"]`).waitFor({ state: 'detached' });
    // The list re-renders as the filtered page arrives: wait for the labelled
    // job's row, then count.
    await diamondRow.waitFor();
    assert.equal(await page.locator('tr[data-job-id]').count(), 1);

    // A state filter with no match empties the list.
    await page.click('[data-filter-state=FAILED]');
    await page.waitForURL(/state=FAILED/);
    await page.locator('tr[data-job-id]').first().waitFor({ state: 'detached' });
    await page.waitForSelector('td.empty:has-text("match these filters")');
  });

  it('shows the workers', async () => {
    await page.goto(`${server.url}/#/workers`);
    const row = page.locator('tr[data-worker=browser-worker]');
    await row.waitFor();
    assert.equal(await row.locator('[data-state]').getAttribute('data-state'), 'READY');
    assert.match(await row.textContent(), /0 \/ 2/);
    await screenshot(page, 'workers');
  });

  it('requeues a dead letter from the dead-letter page', async () => {
    const submitted = await api(server, 'POST', '/jobs', FAILING);
    assert.equal(submitted.status, 201);
    const id = submitted.body.id;
    await waitForJob(server, id, (j) => j.state === 'FAILED');

    await page.goto(`${server.url}/#/deadletters`);
    const row = page.locator('tr[data-task-id]', { hasText: 'flaky' });
    await row.waitFor();
    assert.match(await row.textContent(), /exit 3|exit/);
    await screenshot(page, 'deadletters');

    await row.locator('button:has-text("Requeue")').click();
    await page.waitForSelector('[role=status]:has-text("queued again")');
    // The task ran again: a second attempt.
    await waitForJob(server, id, (j) => j.tasks[0].attempts.length === 2 && j.state === 'FAILED');
  });

  it('cancels a running job from its page', async () => {
    const submitted = await api(server, 'POST', '/jobs', SLEEPER);
    assert.equal(submitted.status, 201);
    const id = submitted.body.id;

    await page.goto(`${server.url}/#/jobs/${id}`);
    await page.waitForSelector('g.node[data-task=nap][data-state=RUNNING]');
    assert.equal((await graph()).nap.fill, FILL.RUNNING);
    await page.click('button:has-text("Cancel")');
    await page.waitForSelector('h1 [data-state=CANCELLED]');
    await page.waitForSelector('g.node[data-task=nap][data-state=CANCELLED]');
    assert.equal((await graph()).nap.fill, FILL.CANCELLED);
    assert.ok(await page.locator('button:has-text("Retry")').isEnabled());
    assert.ok(await page.locator('button:has-text("Cancel")').isDisabled());
    await screenshot(page, 'job-cancelled');
  });

  it('groups fan-out instances under their task with a count by state', async () => {
    const submitted = await api(server, 'POST', '/jobs', FANOUT);
    assert.equal(submitted.status, 201);
    const id = submitted.body.id;
    await waitForJob(server, id, (j) => j.state === 'FAILED');

    // The DAG draws its three tasks; instances are not boxes, ocr counts them.
    await page.goto(`${server.url}/#/jobs/${id}`);
    await page.waitForSelector('g.node[data-task=ocr][data-instances="6"]');
    assert.deepEqual(Object.keys(await graph()).sort(), ['fetch', 'join', 'ocr']);
    assert.equal(await page.locator('path.edge').count(), 2);
    const ocrBox = page.locator('g.node[data-task=ocr]');
    assert.equal(await ocrBox.getAttribute('data-state'), 'FAILED');
    assert.equal((await ocrBox.locator('text.counts').textContent()).trim(), '6: 5 ✓ 1 failed');
    assert.deepEqual(
      await ocrBox.locator('.bar rect[data-state]').evaluateAll((rs) => rs.map((r) => r.dataset.state)),
      ['SUCCEEDED', 'FAILED'],
    );

    // The task list: ocr's row counts its instances and opens to list them in order.
    const groupRow = page.locator('[data-testid=task-list] tr.group[data-task=ocr]');
    const counts = await groupRow.locator('[data-state]').evaluateAll((bs) =>
      bs.filter((b) => b.tagName === 'SPAN').map((b) => `${b.dataset.state} ${b.querySelector('b')?.textContent ?? ''}`),
    );
    assert.deepEqual(counts, ['FAILED ', 'SUCCEEDED 5', 'FAILED 1']);
    const instanceRows = page.locator('[data-testid=task-list] tr[data-item-index]');
    assert.equal(await instanceRows.count(), 0, 'the group starts closed');
    await groupRow.locator('button.toggle').click();
    await instanceRows.nth(5).waitFor();
    const listed = await instanceRows.evaluateAll((rows) =>
      rows.map((r) => [r.dataset.task, r.querySelector('td.item').textContent.trim(), r.dataset.state]),
    );
    assert.deepEqual(listed, [
      ['ocr[0]', '1', 'SUCCEEDED'],
      ['ocr[1]', '2', 'SUCCEEDED'],
      ['ocr[2]', '3', 'SUCCEEDED'],
      ['ocr[3]', '4', 'FAILED'],
      ['ocr[4]', '5', 'SUCCEEDED'],
      ['ocr[5]', '6', 'SUCCEEDED'],
    ]);
    await screenshot(page, 'fanout-job');

    // An instance's log link selects it (its name percent-encoded in the URL);
    // the panel names its group and item, the DAG highlights the group.
    await page.locator('[data-testid=task-list] tr[data-task="ocr[3]"] a:text-is("log")').click();
    await page.waitForURL(/task=ocr%5B3%5D/);
    await page.waitForSelector('[data-testid=task-panel][data-task="ocr[3]"]');
    assert.match(await page.locator('[data-testid=instance-of]').textContent(), /instance 3 of ocr\s*· item 4/);
    await page.waitForSelector('g.node.selected[data-task=ocr]');
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=log-text]')?.textContent.includes('page 4'),
    );
    await page.waitForSelector('table.attempts [data-outcome=exit]');
    const raw = await page
      .locator('[data-testid=task-list] tr[data-task="ocr[3]"] a:text-is("raw")')
      .getAttribute('href');
    assert.equal(raw, `/api/v1/jobs/${id}/tasks/ocr%5B3%5D/logs`);
    await screenshot(page, 'fanout-instance');

    // A succeeded instance's kept file: its size and a link that downloads it.
    await page.goto(`${server.url}/#/jobs/${id}?task=${encodeURIComponent('ocr[0]')}`);
    const file = page.locator('[data-testid=task-panel] [data-testid=outputs] tr[data-path="out.txt"]');
    await file.waitFor();
    assert.match(await file.textContent(), /7 B/);
    const link = await file.locator('a').getAttribute('href');
    assert.equal(link, `/api/v1/jobs/${id}/tasks/ocr%5B0%5D/outputs/out.txt`);
    const body = await page.evaluate((u) => fetch(u).then((r) => r.text()), link);
    assert.equal(body, 'page 1\n');

    // The group's own panel lists its instances instead of a log.
    await page.click('g.node[data-task=ocr]');
    await page.waitForSelector('[data-testid=task-panel][data-task=ocr] [data-testid=instances]');
    assert.equal(
      await page.locator('[data-testid=task-panel] [data-testid=instances] tr[data-task]').count(),
      6,
    );
    assert.equal(await page.locator('[data-testid=task-panel] [data-testid=log-text]').count(), 0);
    await screenshot(page, 'fanout-group');
  });

  it('shows why a spec is rejected', async () => {
    await page.goto(`${server.url}/#/submit`);
    await page.fill(
      'textarea[name=spec]',
      `apiVersion: pipegrid/v1
kind: Job
metadata: {name: broken}
spec:
  tasks:
    - name: a
      dependsOn: [nope]
      steps: [{commands: ["true"]}]
`,
    );
    await page.click('button[type=submit]');
    const alert = page.locator('[role=alert]');
    await alert.waitFor();
    const text = await alert.textContent();
    assert.match(text, /INVALID_ARGUMENT/);
    assert.match(text, /spec\.tasks\[0\]\.dependsOn\[0\]/);
    assert.match(page.url(), /#\/submit$/);
    await screenshot(page, 'submit-rejected');
  });

  it('keeps up by polling when the event stream is unavailable', async () => {
    // A server without follow answers the stream with a JSON page, which
    // EventSource refuses: the UI must fall back to re-fetching.
    const fallback = await browser.context.newPage();
    fallback.setDefaultTimeout(60_000);
    fallback.on('pageerror', (e) => pageErrors.push(e.message));
    await fallback.route(
      (url) => url.pathname === '/api/v1/events' && url.searchParams.get('follow') === 'true',
      (route) => route.fulfill({ status: 200, contentType: 'application/json', body: '{"items":[]}' }),
    );
    try {
      // The list is open before the job exists: only a re-fetch can show it.
      await fallback.goto(`${server.url}/#/jobs`);
      await fallback.waitForSelector('header .live[data-mode=polling]');
      await fallback.waitForSelector('tr[data-job-id]');
      const submitted = await api(server, 'POST', '/jobs', DIAMOND.replace('browser-diamond', 'browser-polled'));
      assert.equal(submitted.status, 201);
      await fallback.waitForSelector(`tr[data-job-id="${submitted.body.id}"] [data-state=SUCCEEDED]`, {
        timeout: 90_000,
      });
      await screenshot(fallback, 'job-list-polling');
    } finally {
      await fallback.close();
    }
  });

  it('loaded everything from the master and raised no error', () => {
    assert.deepEqual(foreignRequests, []);
    assert.deepEqual(pageErrors, []);
  });
});
