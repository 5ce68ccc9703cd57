// The wall board in Debian's headless Chromium, driven by playwright-core (which downloads no browser).
// Run by BoardPageTests: loads the page, raises an alert through the silo's ingest API, waits for it on the
// whole-floor board (screenshot), then as a supervisor picks the alert's department and acknowledges it
// (second screenshot, "-supervisor"). Both 1920×1080. Checks on the hub's WebSocket that the page took the alert
// from an alertsRaised batch.
import { writeFile, readFile } from 'node:fs/promises';
import { openPage, options, stepper, throwIfErrors } from './board.page.mjs';

const opt = options(['board', 'ingest', 'event', 'alert', 'department', 'by', 'screenshot']);

const step = stepper('board.browser');
const { browser, page, errors: pageErrors } = await openPage(opt.chromium);
// The hub's frames, to check the page takes its alerts in batches (SubscribeInBatches → alertsRaised).
const frames = { sent: [], received: [] };
page.on('websocket', (socket) => {
  socket.on('framesent', (frame) => frames.sent.push(String(frame.payload)));
  socket.on('framereceived', (frame) => frames.received.push(String(frame.payload)));
});

// Lets the script play a hub whose floor answers late: while window.__boardFrozen is set, every `board` record the hub
// sends is replaced by the first one that came after the freeze began (so the same `at` again and again), which is what
// the LiveBoard sends when the floor grain does not answer within its patience. SignalR sets the socket's onmessage.
// The first `board` record comes FIRST_BOARD_LATE_MS late (its `at` moved back by that much), as when the server is busy
// or the hub sends its latest snapshot to a new connection: the board must not take that delay for the clocks' difference.
const FIRST_BOARD_LATE_MS = 6_000;
await page.addInitScript((lateMs) => {
  window.__firstBoardLateMs = lateMs;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    set onmessage(handler) {
      super.onmessage = (event) => {
        const frozen = window.__boardFrozen !== undefined;
        if ((!frozen && !window.__firstBoardLateMs) || typeof event.data !== 'string') return handler(event);
        const records = event.data.split('\x1e').map((record) => {
          if (!record.includes('"target":"board"')) return record;
          if (window.__firstBoardLateMs) {
            const message = JSON.parse(record);
            const snapshot = message.arguments[0];
            snapshot.at = new Date(Date.parse(snapshot.at) - window.__firstBoardLateMs).toISOString();
            window.__firstBoardLateMs = 0;
            return JSON.stringify(message);
          }
          if (!frozen) return record;
          if (window.__boardFrozen === null) window.__boardFrozen = record;
          return window.__boardFrozen;
        });
        return handler(new MessageEvent('message', { data: records.join('\x1e') }));
      };
    }

    get onmessage() {
      return super.onmessage;
    }
  };
}, FIRST_BOARD_LATE_MS);

const card = `#alerts li[data-alert-id="${opt.alert}"]`;

/**
 * The alert was raised after the ingest request went out and before it showed on the board, so its age lies between
 * the times since; the display ticks once a second and floors to seconds, so it may read up to 2 s less. Whatever the
 * first snapshot's delay: the board must not take that for the clocks' difference.
 */
async function checkAge(posted, seen) {
  const now = Date.now();
  const sincePosted = (now - posted) / 1000;
  const sinceSeen = (now - seen) / 1000;
  const shown = await ageSeconds();
  if (shown > Math.ceil(sincePosted) || shown < Math.floor(sinceSeen) - 2) {
    throw new Error(`the alert's age reads ${shown} s, ${sincePosted.toFixed(1)} s after the ingest request and ${sinceSeen.toFixed(1)} s after it showed (the first snapshot came ${FIRST_BOARD_LATE_MS} ms late)`);
  }
  step(`age ${shown} s: ${sincePosted.toFixed(1)} s after the ingest request, ${sinceSeen.toFixed(1)} s after it showed`);
}
/** The card's age ("mm:ss" or "h:mm:ss") in seconds. */
async function ageSeconds() {
  const text = await page.locator(`${card} .age`).textContent();
  return text.split(':').reduce((total, part) => total * 60 + Number(part), 0);
}
async function save(path) {
  await writeFile(path, await page.screenshot({ fullPage: false }));
  step(`screenshot ${path}`);
}
let failed = false;
try {
  step(`open ${opt.board}`);
  await page.goto(opt.board, { waitUntil: 'load' });
  await page.locator('#connection[data-state="live"]').waitFor({ timeout: 20_000 });
  await page.locator('#matrix .cell').first().waitFor({ timeout: 10_000 });
  step('board is live and shows the floor');

  await page.fill('#supervisor', opt.by);
  await page.locator('#supervisor').dispatchEvent('change');

  const body = await readFile(opt.event, 'utf8');
  const posted = Date.now();
  const response = await fetch(new URL('api/v1/events', opt.ingest), { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  if (response.status !== 202) throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
  step('alert raised through the ingest API');

  await page.locator(card).waitFor({ timeout: 5_000 });
  const seen = Date.now();
  step(`alert on the board ${seen - posted} ms after the ingest request`);
  if (!frames.sent.some((p) => p.includes('"target":"SubscribeInBatches"'))) throw new Error('the page did not call SubscribeInBatches');
  if (!frames.received.some((p) => p.includes('"target":"alertsRaised"') && p.includes(opt.alert))) {
    throw new Error(`the alert did not come in an alertsRaised batch (${frames.received.length} frames received)`);
  }
  if (frames.received.some((p) => p.includes('"target":"alertRaised"'))) throw new Error('a batched page was sent alertRaised');
  step('it came in an alertsRaised batch');

  const ageBefore = await page.locator(`${card} .age`).textContent();
  await page.waitForTimeout(2_100);
  const ageAfter = await page.locator(`${card} .age`).textContent();
  if (ageBefore === ageAfter) throw new Error(`the alert's age does not tick (${ageBefore} → ${ageAfter})`);
  step(`age ticks: ${ageBefore} → ${ageAfter}`);
  await checkAge(posted, seen);

  // While the floor answers late the hub sends its latest snapshot again, `at` unchanged. That says nothing about the
  // server's clock: ages keep the wall clock's pace (the estimate once slid back by each resend's age, and ages froze).
  await page.evaluate(() => { window.__boardFrozen = null; });
  await page.waitForFunction(() => typeof window.__boardFrozen === 'string', null, { timeout: 5_000 });
  const frozeAt = Date.now();
  const frozenBefore = await ageSeconds();
  await page.waitForTimeout(8_000);
  const frozenAfter = await ageSeconds();
  const frozenFor = (Date.now() - frozeAt) / 1000;
  const stillLive = await page.locator('#connection[data-state="live"]').count();
  await page.evaluate(() => { window.__boardFrozen = undefined; });
  // The display ticks once a second and floors to seconds: at most 2 s short of the wall clock.
  if (frozenAfter - frozenBefore < Math.floor(frozenFor) - 2) {
    throw new Error(`with the same snapshot sent again for ${frozenFor.toFixed(1)} s the alert's age went ${frozenBefore} s → ${frozenAfter} s`);
  }
  await checkAge(posted, seen);
  if (stillLive !== 1) throw new Error('the board stopped saying live while the hub sent its latest snapshot again');
  step(`same snapshot again for ${frozenFor.toFixed(1)} s: age ${frozenBefore} s → ${frozenAfter} s, still live`);
  await save(opt.screenshot);

  // The supervisor's view: one department, then acknowledge.
  await page.selectOption('#department', opt.department);
  await page.waitForFunction((department) => {
    const cards = [...document.querySelectorAll('#alerts li:not(.leaving)')];
    return cards.length > 0 && cards.every((li) => li.dataset.department === department);
  }, opt.department, { timeout: 5_000 });
  await page.locator(card).waitFor({ timeout: 5_000 });
  const shown = await page.locator('#alerts li:not(.leaving)').count();
  step(`department ${opt.department} picked: ${shown} alerts, all its own`);

  await page.locator(`${card} button.ack`).click();
  await page.locator(`${card}[data-status="acknowledged"]`).waitFor({ timeout: 5_000 });
  const state = await page.locator(`${card} .ack-state`).textContent();
  if (!state.includes(opt.by)) throw new Error(`acknowledged card says '${state}', not the supervisor '${opt.by}'`);
  step(`acknowledged: ${state}`);

  await page.waitForTimeout(2_500); // a few more snapshots: the chart and numbers settle for the picture
  throwIfErrors(pageErrors);
} catch (error) {
  failed = true;
  console.error(`[board.browser] FAILED: ${error.message}`);
} finally {
  await save(opt.screenshot.replace(/\.png$/, failed ? '-failure.png' : '-supervisor.png'));
  await browser.close();
}
process.exit(failed ? 1 : 0);
