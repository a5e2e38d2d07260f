/**
 * The card page and the approval page in a real browser (Debian's Chromium, driven by playwright-core): what a person
 * sees and clicks, from the card in the local Teams channel to the verified revert.
 */
jest.mock('@azure/functions-core', () => require('../../local/host/functionsCore').createFunctionsCore(), { virtual: true });

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { awaitingApproval, completed, INSTANCE, openPort, ruleNames, type StackHandle, startStack, waitFor } from './stack';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(__dirname, '..', '..', '.driftwarden', 'screenshots');
let browser: Browser;
let h: StackHandle;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH; .ci/run does this`);
  }
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  await h?.stop();
});

test('card → review (sign in) → approve → reverted, all in the browser; GET of the page changes nothing', async () => {
  h = await startStack();
  await openPort(h.stack);
  await waitFor(h.stack, awaitingApproval);

  const page = await (await browser.newContext()).newPage();
  await page.goto(`${h.stack.frontUrl}/local/teams`);
  const card = page.locator('[id^="card-"]').first();
  await card.waitFor();
  await expect(card.innerText()).resolves.toContain('Approval needed: drift will be reverted');
  await expect(card.innerText()).resolves.toContain('alice@contoso.example');
  await expect(card.innerText()).resolves.toContain("Delete rule 'allow-ssh-anywhere'");
  await page.screenshot({ path: join(SHOTS, '1-card.png'), fullPage: true });

  // "Review plan" is a plain link: opening it first asks who you are, then shows the plan — and decides nothing.
  await card.locator('a[data-action-title="Review plan"]').click();
  await page.locator('[data-user="sam"]').click();
  await page.locator('#decide').waitFor();
  await expect(page.locator('h1').innerText()).resolves.toContain('Review remediation of NSG nsg-ml-training');
  await expect(page.content()).resolves.toContain('SSH (22/Tcp) reachable from the Internet');
  await page.screenshot({ path: join(SHOTS, '2-review.png'), fullPage: true });
  await page.reload();
  expect((await waitFor(h.stack, awaitingApproval)).customStatus?.stage).toBe('awaitingApproval');
  expect(await ruleNames(h.stack)).toContain('allow-ssh-anywhere');

  await page.locator('button#approve').click();
  await expect(page.locator('#message').innerText()).resolves.toMatch(/^Approve by sam@contoso\.example\. The revert runs now/);
  await page.screenshot({ path: join(SHOTS, '3-decided.png'), fullPage: true });

  expect((await waitFor(h.stack, completed)).output).toMatchObject({ outcome: 'remediated' });
  expect(await ruleNames(h.stack)).not.toContain('allow-ssh-anywhere');
  await page.goto(`${h.stack.frontUrl}/local/teams`);
  await expect(page.locator('[id^="card-"]').first().innerText()).resolves.toContain('Drift reverted and verified');
  await page.screenshot({ path: join(SHOTS, '4-reverted.png'), fullPage: true });
});

test('someone who is not an approver gets a plain refusal in the browser, and nothing happens', async () => {
  h = await startStack();
  await openPort(h.stack);
  await waitFor(h.stack, awaitingApproval);
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${h.stack.frontUrl}/local/teams`);
  await page.locator('a[data-action-title="Approve revert…"]').first().click();
  await page.locator('[data-user="bob"]').click();
  await page.locator('button#approve').click();
  await expect(page.locator('h1').innerText()).resolves.toBe('Not an approver');
  await expect(page.locator('#message').innerText()).resolves.toContain('bob@contoso.example is not an approver');
  expect((await waitFor(h.stack, awaitingApproval)).customStatus?.stage).toBe('awaitingApproval');
  expect(INSTANCE).toMatch(/^nsg-nsg-ml-training-/);
});
