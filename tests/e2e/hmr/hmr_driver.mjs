// Drives the apt-installed Chromium (never a downloaded one) through
// playwright-core to prove hot reload through sandboxd's preview proxy:
// load the preview URL, see the old marker, mark the window, rewrite the
// page's source file atomically (temp file + rename, same owner and mode),
// then wait for the new marker and check the window is the same one (no
// navigation, no reload).
//
//   node hmr_driver.mjs URL PAGE_FILE OLD_MARKER NEW_MARKER [TIMEOUT_S]
//
// Prints `key: value` lines (hmr_ms, navigations, websockets, ...) and
// exits 0 on success, 1 on a failed check, 2 on bad usage or a crash.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

const [url, pageFile, oldMarker, newMarker, timeoutArg] = process.argv.slice(2);
if (!url || !pageFile || !oldMarker || !newMarker) {
  console.error('usage: hmr_driver.mjs URL PAGE_FILE OLD_MARKER NEW_MARKER [TIMEOUT_S]');
  process.exit(2);
}
const timeoutMs = Number(timeoutArg || 60) * 1000;
const deadline = Date.now() + timeoutMs;
const left = () => Math.max(1000, deadline - Date.now());

// Writes `text` to `file` the way an editor or sandboxd's file sync would:
// a temp file in the same directory, the original owner and mode, rename.
function writeAtomically(file, text) {
  const st = fs.statSync(file);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.hmr-${process.pid}`);
  fs.writeFileSync(tmp, text, { mode: st.mode & 0o7777 });
  fs.chownSync(tmp, st.uid, st.gid);
  fs.chmodSync(tmp, st.mode & 0o7777);
  fs.renameSync(tmp, file);
}

const log = (k, v) => console.log(`${k}: ${v}`);
let failed = false;
const check = (name, ok, detail = '') => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` (${detail})` : ''}`);
  if (!ok) failed = true;
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  timeout: 30000,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
         '--disable-background-networking', '--disable-component-update',
         '--disable-sync', '--no-first-run',
         // e.g. --host-resolver-rules=MAP *.preview.test 127.0.0.1 to try a
         // preview domain that is not under .localhost
         ...(process.env.HMR_CHROMIUM_ARGS ? [process.env.HMR_CHROMIUM_ARGS] : [])],
});
const hardStop = setTimeout(() => {
  console.error(`driver: overall timeout (${timeoutMs / 1000 + 30} s)`);
  process.exit(2);
}, timeoutMs + 30000);

try {
  const page = await browser.newPage();
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));

  // Playwright's framenavigated also fires for same-document (history API)
  // navigations, which Next's router does after a server component update;
  // the DevTools protocol tells the two apart: Page.frameNavigated is a new
  // document (a reload), Page.navigatedWithinDocument is not.
  let navigations = 0;
  let sameDocument = 0;
  let loads = 0;
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations++; });
  page.on('domcontentloaded', () => loads++);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Page.enable');
  let documents = 0;
  cdp.on('Page.frameNavigated', (e) => { if (!e.frame.parentId) documents++; });
  cdp.on('Page.navigatedWithinDocument', () => sameDocument++);

  const sockets = [];
  page.on('websocket', (ws) => {
    const s = { url: ws.url(), received: 0, sent: 0, closed: false, error: '' };
    sockets.push(s);
    ws.on('framereceived', () => s.received++);
    ws.on('framesent', () => s.sent++);
    ws.on('close', () => { s.closed = true; });
    ws.on('socketerror', (e) => { s.error = String(e); });
  });
  const failedRequests = [];
  page.on('response', (r) => {
    if (r.status() >= 400) failedRequests.push(`${r.status()} ${r.url()}`);
  });

  // The preview may still show sandboxd's self-refreshing waiting page:
  // reload until the app's marker is there.
  const loadStart = Date.now();
  let loaded = false;
  while (!loaded && Date.now() < deadline) {
    try {
      await page.goto(url, { waitUntil: 'load', timeout: left() });
      await page.waitForFunction((m) => document.body && document.body.innerText.includes(m),
                                 oldMarker, { timeout: 5000, polling: 100 });
      loaded = true;
    } catch (e) {
      if (Date.now() >= deadline) break;
    }
  }
  check('the browser loads the preview URL and shows the marker', loaded,
        `${url}, ${Date.now() - loadStart} ms`);
  if (!loaded) throw new Error('no marker');

  // Let the HMR client connect before the edit (Next opens its socket from
  // the client bundle after hydration).
  const hmrDeadline = Date.now() + Math.min(30000, left());
  while (Date.now() < hmrDeadline &&
         !sockets.some((s) => s.url.includes('/_next/') && s.received > 0)) {
    await page.waitForTimeout(100);
  }
  const hmr = sockets.find((s) => s.url.includes('/_next/'));
  check('the HMR WebSocket connects through the proxy and receives frames',
        !!hmr && hmr.received > 0,
        hmr ? `${hmr.url}, ${hmr.received} frames in` : `websockets: ${JSON.stringify(sockets)}`);

  const timeOrigin = await page.evaluate(() => { window.__probe = 1; return performance.timeOrigin; });
  const navigationsBefore = navigations;
  const documentsBefore = documents;
  const loadsBefore = loads;
  const sameDocumentBefore = sameDocument;

  const source = fs.readFileSync(pageFile, 'utf8');
  if (!source.includes(oldMarker)) throw new Error(`${pageFile} lacks ${oldMarker}`);
  writeAtomically(pageFile, source.split(oldMarker).join(newMarker));
  const written = Date.now();

  let changed = false;
  try {
    await page.waitForFunction((m) => document.body && document.body.innerText.includes(m),
                               newMarker, { timeout: Math.min(60000, left()), polling: 20 });
    changed = true;
  } catch (e) { /* reported below */ }
  const hmrMs = Date.now() - written;
  check('the browser shows the new marker after the source file changes', changed,
        changed ? `${hmrMs} ms after the write` : `not within ${hmrMs} ms`);
  if (changed) log('hmr_ms', hmrMs);

  // Let a late reload (Next falls back to one when HMR cannot apply) show up.
  await page.waitForTimeout(1000);
  let probe, origin;
  try {
    [probe, origin] = await page.evaluate(() => [window.__probe, performance.timeOrigin]);
  } catch (e) { probe = String(e); }
  check('without a reload: the window keeps its state', probe === 1 && origin === timeOrigin,
        `window.__probe=${probe}, same performance.timeOrigin: ${origin === timeOrigin}`);
  check('without a navigation: no new document (CDP Page.frameNavigated, DOMContentLoaded)',
        documents === documentsBefore && loads === loadsBefore,
        `${documents - documentsBefore} new documents, ${loads - loadsBefore} DOMContentLoaded; ` +
        `${sameDocument - sameDocumentBefore} same-document history updates, ` +
        `${navigations - navigationsBefore} playwright framenavigated`);

  log('websockets', `${sockets.length} opened; ${JSON.stringify(sockets.slice(0, 2))}`);
  if (failed) {
    console.log('--- failed requests');
    for (const r of failedRequests.slice(-20)) console.log(r);
    console.log('--- browser console (tail)');
    for (const l of [...new Set(consoleLines)].slice(-15)) console.log(l);
  }
} catch (e) {
  console.log(`FAIL driver: ${e && e.message ? e.message : e}`);
  failed = true;
} finally {
  clearTimeout(hardStop);
  await browser.close().catch(() => {});
}
process.exit(failed ? 1 : 0);
