// Loads tests/e2e/rest_browser/page.html in the apt-installed Chromium
// (playwright-core, never a downloaded browser) from an allowed origin and
// from a disallowed one; prints checks and `N passed, N failed`.
//   node driver.mjs ALLOWED_PAGE_URL DISALLOWED_PAGE_URL
import { chromium } from 'playwright-core';

const [allowedUrl, disallowedUrl] = process.argv.slice(2);
let passed = 0;
let failed = 0;
const check = (name, ok, detail = '') => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` (${detail})` : ''}`);
  ok ? passed++ : failed++;
};
const hardStop = setTimeout(() => { console.error('driver: timeout'); process.exit(1); }, 150000);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
         '--disable-background-networking', '--disable-component-update',
         '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage();
  await page.goto(allowedUrl);
  await page.waitForFunction(() => document.getElementById('done').textContent === 'done',
                             null, { timeout: 90000 });
  const phases = await page.$$eval('#phases li', (items) => items.map((i) => i.textContent));
  const error = await page.textContent('#error');
  check('no error on the allowed origin', error === '', error);
  check('the streamed phases arrive in order, QUEUED to READY',
        phases[0] === 'BUILD_PHASE_QUEUED' && phases[phases.length - 1] === 'BUILD_PHASE_READY' &&
        phases.includes('BUILD_PHASE_INSTALLING'), phases.join(' > '));
  check('Get after the stream says READY',
        (await page.textContent('#status')) === 'SANDBOX_STATUS_READY');

  const other = await browser.newPage();
  await other.goto(disallowedUrl);
  await other.waitForFunction(() => document.getElementById('done').textContent === 'done',
                              null, { timeout: 30000 });
  const blocked = await other.textContent('#error');
  check('a disallowed origin is refused by CORS', blocked.startsWith('error:'), blocked);
} catch (e) {
  check('driver ran', false, e.message);
} finally {
  await browser.close();
  clearTimeout(hardStop);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
