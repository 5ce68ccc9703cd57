// The wall board in a storm, in Debian's headless Chromium (playwright-core). Run by BoardPageTests: opens the page,
// raises --expect alerts at once through the silo's ingest API, then checks that the page shows only the --shown most
// urgent as cards (in order), while its note and severity counts still cover every alert.
import { readFile, writeFile } from 'node:fs/promises';
import { openPage, options, stepper, throwIfErrors } from './board.page.mjs';

const opt = options(['board', 'ingest', 'events', 'expect', 'shown', 'screenshot']);
const expected = Number(opt.expect);
const shown = Number(opt.shown);

const step = stepper('board.storm');
const { browser, page, errors: pageErrors } = await openPage(opt.chromium);

let failed = false;
try {
  step(`open ${opt.board}`);
  await page.goto(opt.board, { waitUntil: 'load' });
  await page.locator('#connection[data-state="live"]').waitFor({ timeout: 20_000 });
  step('board is live');

  const events = JSON.parse(await readFile(opt.events, 'utf8'));
  const posted = Date.now();
  for (let i = 0; i < events.length; i += 200) {
    const body = JSON.stringify(events.slice(i, i + 200));
    const response = await fetch(new URL('api/v1/events', opt.ingest), { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    if (response.status !== 202) throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
  }
  step(`${events.length} events posted`);

  const note = `${expected.toLocaleString('en-US')} open`;
  await page.waitForFunction((text) => document.querySelector('#alerts-note')?.textContent.startsWith(text), note, { timeout: 15_000 })
    .catch(async () => { throw new Error(`the note never said '${note}': '${await page.locator('#alerts-note').textContent()}'`); });
  step(`note '${await page.locator('#alerts-note').textContent()}' ${Date.now() - posted} ms after the first request`);
  await page.waitForTimeout(1_000); // what the page does once the storm is in: nothing more should arrive

  const severities = ['critical', 'high', 'medium', 'low'];
  const cards = await page.locator('#alerts li:not(.leaving)').evaluateAll((items) => items.map((li) => ({
    id: li.dataset.alertId, raisedAt: Date.parse(li.dataset.raisedAt), severity: li.querySelector('.sev-badge')?.textContent })));
  if (cards.length !== shown) throw new Error(`${cards.length} cards on the wall, expected the ${shown} most urgent`);
  for (let i = 1; i < cards.length; i++) {
    const [above, card] = [cards[i - 1], cards[i]];
    const bySeverity = severities.indexOf(card.severity) - severities.indexOf(above.severity);
    if (bySeverity < 0 || (bySeverity === 0 && card.raisedAt > above.raisedAt)) {
      throw new Error(`card ${i} (${card.id}, ${card.severity}) should be above ${above.id} (${above.severity})`);
    }
  }
  const text = await page.locator('#alerts-note').textContent();
  if (!text.includes(`the ${shown} most urgent shown`)) throw new Error(`the note does not say only some are shown: '${text}'`);
  const counted = await page.evaluate(() => ['critical', 'high', 'medium', 'low']
    .reduce((sum, s) => sum + Number(document.querySelector(`#count-${s}`).textContent.replace(/,/g, '')), 0));
  if (counted !== expected) throw new Error(`the severity counts add up to ${counted}, not ${expected}`);
  step(`${cards.length} cards, newest first; counts add up to ${counted}`);
  throwIfErrors(pageErrors);
} catch (error) {
  failed = true;
  console.error(`[board.storm] FAILED: ${error.message}`);
} finally {
  await writeFile(opt.screenshot.replace(/\.png$/, failed ? '-failure.png' : '.png'), await page.screenshot({ fullPage: false }));
  await browser.close();
}
process.exit(failed ? 1 : 0);
