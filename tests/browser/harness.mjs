// What the browser tests stand on: the real `pipegrid up` on a free loopback
// port, Debian's Chromium driven by playwright-core, and small REST helpers.
//
// Environment (set by tests/browser/CMakeLists.txt for ctest):
//   PIPEGRID_BIN              the binary under test
//   PIPEGRID_UI_NODE_MODULES  node_modules holding playwright-core (<build>/ui/app)
//   PIPEGRID_SCREENSHOT_DIR   where screenshots go (<build>/screenshots)
//   PIPEGRID_CHROMIUM         the browser (default /usr/bin/chromium)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const CHROMIUM = process.env.PIPEGRID_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = process.env.PIPEGRID_SCREENSHOT_DIR ?? path.resolve('screenshots');

// Flags for a closed network and a throwaway profile: without the
// background-networking ones Chromium keeps trying to reach Google's hosts.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// A reason to skip the browser tests, or null when they can run.
export function whyNoBrowser() {
  if (!existsSync(CHROMIUM)) {
    return `no Chromium at ${CHROMIUM} (scripts/install-ui-deps.sh installs Debian's chromium)`;
  }
  return null;
}

function loadPlaywright() {
  const modules = process.env.PIPEGRID_UI_NODE_MODULES;
  if (!modules) throw new Error('PIPEGRID_UI_NODE_MODULES is not set (run through ctest)');
  // playwright-core is CommonJS; resolve it from the UI's own packages.
  return createRequire(path.join(modules, 'noop.js'))('playwright-core');
}

export function tempDir(prefix) {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

// A fresh profile directory per run, removed by close().
export async function launchBrowser() {
  const { chromium } = loadPlaywright();
  const profile = tempDir('pipegrid-chromium-');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// Resolves with the line's "url=" once `pipegrid up` prints its ready line;
// rejects if it exits first or takes longer than `timeoutMs`.
function readyUrl(child, timeoutMs) {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(
      () => reject(new Error(`pipegrid up not ready after ${timeoutMs}ms\n${out}${err}`)),
      timeoutMs,
    );
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/^pipegrid ready: .*\burl=(\S+)/m);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`pipegrid up exited (${code ?? signal}) before it was ready\n${out}${err}`));
    });
  });
}

export async function startServer() {
  const bin = process.env.PIPEGRID_BIN;
  if (!bin || !existsSync(bin)) throw new Error(`PIPEGRID_BIN is not a binary: ${bin}`);
  const dataDir = tempDir('pipegrid-browser-');
  const child = spawn(
    bin,
    ['up', '--data-dir', dataDir, '--http', '127.0.0.1:0', '--grpc', '127.0.0.1:0', '--slots', '2',
      '--name', 'browser-worker'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const url = await readyUrl(child, 30_000);
  return {
    url,
    dataDir,
    // SIGTERM and wait for the exit (SIGKILL if it takes too long).
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function api(server, method, route, body = undefined) {
  const res = await fetch(`${server.url}/api/v1${route}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/yaml' },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

// Polls the REST API (the server is a real process: there is nothing to
// block on) until `pred(job)` holds; returns the job.
export async function waitForJob(server, id, pred, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let job = null;
  while (Date.now() < deadline) {
    job = (await api(server, 'GET', `/jobs/${id}`)).body;
    if (pred(job)) return job;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${id} did not reach the expected state: ${JSON.stringify(job)}`);
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
