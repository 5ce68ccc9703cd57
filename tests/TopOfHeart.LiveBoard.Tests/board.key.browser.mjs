// The wall board behind TopOfHeart:Auth:Keys, in Debian's headless Chromium (playwright-core). Run by
// BoardPageTests: the page loads without a key and asks for one; a wrong key and an ingest key are refused with a
// clear message; a viewer key opens the live board (screenshot), without any acknowledge button.
import { writeFile } from 'node:fs/promises';
import { openPage, options, stepper, throwIfErrors } from './board.page.mjs';

const opt = options(['board', 'viewer', 'ingest', 'screenshot']);

const step = stepper('board.key.browser');
const { browser, page, errors: pageErrors } = await openPage(opt.chromium, (message) =>
  // whoami's 401/403 are the answers this script asks for; anything else (a CSP violation above all) is a failure.
  /whoami/.test(message.location()?.url ?? '') || /status of 40[13]/.test(message.text()));

async function typeKey(key) {
  await page.fill('#key-input', key);
  await page.click('#key-submit');
}

let failed = false;
try {
  step(`open ${opt.board}`);
  await page.goto(opt.board, { waitUntil: 'load' });
  await page.locator('#keygate:not([hidden])').waitFor({ timeout: 10_000 });
  step('the page asks for a key');

  await typeKey('not-a-key-at-all-0000');
  await page.locator('#key-error:not([hidden])', { hasText: '401' }).waitFor({ timeout: 5_000 });
  step(`wrong key: ${await page.locator('#key-error').textContent()}`);

  await typeKey(opt.ingest);
  await page.locator('#key-error:not([hidden])', { hasText: '403' }).waitFor({ timeout: 5_000 });
  step(`ingest key: ${await page.locator('#key-error').textContent()}`);

  await typeKey(opt.viewer);
  await page.locator('#keygate[hidden]').waitFor({ state: 'attached', timeout: 5_000 });
  await page.locator('#connection[data-state="live"]').waitFor({ timeout: 20_000 });
  await page.locator('#matrix .cell').first().waitFor({ timeout: 10_000 });
  step('viewer key: the board is live');
  if (await page.locator('#alerts button.ack:visible').count() > 0) throw new Error('a viewer sees acknowledge buttons');
  const stored = await page.evaluate(() => sessionStorage.getItem('topofheart.key'));
  if (stored !== opt.viewer) throw new Error('the key is not kept in sessionStorage');

  await page.reload({ waitUntil: 'load' });
  await page.locator('#connection[data-state="live"]').waitFor({ timeout: 20_000 });
  if (await page.locator('#keygate').isVisible()) throw new Error('the key was asked again after a reload of the same tab');
  step('reload: same tab, no second question');

  await page.waitForTimeout(2_000);
  throwIfErrors(pageErrors);
} catch (error) {
  failed = true;
  console.error(`[board.key.browser] FAILED: ${error.message}`);
} finally {
  await writeFile(failed ? opt.screenshot.replace(/\.png$/, '-failure.png') : opt.screenshot, await page.screenshot({ fullPage: false }));
  await browser.close();
}
process.exit(failed ? 1 : 0);
