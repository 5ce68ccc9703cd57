// What the wall board's browser scripts share: their command-line options, Debian's headless Chromium driven by
// playwright-core (which downloads no browser), and a 1920×1080 page that records the errors it reports.
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

/** The script's options, every one required, plus --chromium (the browser to drive). */
export function options(required) {
  const { values } = parseArgs({
    options: {
      ...Object.fromEntries(required.map((name) => [name, { type: 'string' }])),
      chromium: { type: 'string', default: '/usr/bin/chromium' },
    },
  });
  for (const name of required) {
    if (!values[name]) throw new Error(`--${name} is required`);
  }
  return values;
}

/** A progress line of the script named `tag`, time-stamped. */
export const stepper = (tag) => (what) => console.log(`[${tag}] ${new Date().toISOString()} ${what}`);

/**
 * Opens Chromium and a 1920×1080 page. `errors` gathers the page's uncaught errors and its console errors, except
 * those `expected(message)` accepts.
 */
export async function openPage(executablePath, expected = () => false) {
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error' && !expected(message)) errors.push(`console: ${message.text()}`);
  });
  return { browser, page, errors };
}

/** Fails the script when the page reported errors. */
export function throwIfErrors(errors) {
  if (errors.length > 0) throw new Error(`the page reported errors:\n${errors.join('\n')}`);
}
