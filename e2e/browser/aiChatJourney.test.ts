import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Frame, Page } from 'playwright-core';
import { DEMO_MODEL_ID, startModelSim, type ModelSim } from '@paddock/model-sim';
import { launchChromium } from '../harness/browser.js';
import { ADMIN_PASSWORD, TestStack } from '../harness/testStack.js';

describe('a builder builds a page by chatting with the AI', () => {
  let sim: ModelSim;
  let stack: TestStack;
  let chromium: { browser: Browser; close(): Promise<void> };

  beforeAll(async () => {
    sim = await startModelSim();
    [stack, chromium] = await Promise.all([
      TestStack.start({ llm: { baseUrl: sim.url, apiKey: 'sk-ant-provider-journey', model: DEMO_MODEL_ID } }),
      launchChromium(),
    ]);
    await stack.userToken('finance@example.com');
  }, 120_000);
  afterAll(async () => {
    await chromium?.close();
    await stack?.close();
    await sim?.close();
  });

  async function signInAndCreate(page: Page): Promise<void> {
    await page.goto(`${stack.url}/`);
    await page.waitForURL(/\/login/);
    await page.getByLabel('Email').fill('finance@example.com');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const starter = page.getByTestId('blueprint-card').filter({ hasText: 'Starter' });
    await starter.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/\/workspaces\/[0-9a-f-]+$/);
    await expect.poll(() => page.getByTestId('workspace-state').textContent(), { timeout: 30_000 }).toBe('running');
    await page.getByRole('tab', { name: 'AI chat' }).click();
  }

  /** The page inside the preview iframe, once it has loaded from the preview origin. */
  async function previewFrame(page: Page): Promise<Frame> {
    const handle = await page.getByTestId('preview-frame').elementHandle({ timeout: 30_000 });
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await page.waitForTimeout(200)) {
      const frame = await handle!.contentFrame();
      if (frame && /^http:\/\/5173--.*\.preview\.localhost/.test(frame.url())) return frame;
    }
    throw new Error('the preview frame never loaded the preview origin');
  }

  it('types "Build a page that says Hello Finance" and sees it in the preview, desktop and mobile', async () => {
    const page = await chromium.browser.newPage({ viewport: { width: 1440, height: 900 } });
    await signInAndCreate(page);

    const chat = page.getByRole('region', { name: 'AI chat' });
    await expect.poll(() => chat.getByText('Demo model — scripted responses').isVisible(), { timeout: 60_000 }).toBe(true);
    // The empty state offers the suggestion; clicking it fills the composer.
    await chat.getByRole('button', { name: 'Build a page that says Hello Finance' }).click();
    const message = chat.getByRole('textbox', { name: 'Message' });
    expect(await message.inputValue()).toBe('Build a page that says Hello Finance');
    await message.press('Enter');

    // Tool activity in plain words, then the model's answer, streamed into the conversation.
    const showing = (text: string | RegExp, timeout: number) =>
      expect.poll(() => chat.getByText(text).isVisible(), { timeout }).toBe(true).catch(async (err: unknown) => {
        throw new Error(`${String(err)}\nwaiting for ${String(text)}; the chat shows:\n${await chat.innerText()}`);
      });
    await showing('Wrote index.html', 90_000);
    await showing(/^Ran: .*node serve\.mjs/, 60_000);
    await showing(/Done: the page says "Hello Finance"/, 60_000);
    await expect.poll(() => chat.getByRole('button', { name: 'Send' }).isVisible()).toBe(true);

    // The preview picks up the dev server the model started.
    const preview = page.getByRole('region', { name: 'Preview' });
    // The workspace also listens on 4096 (the AI's own server): pick the dev server the model started.
    const port = preview.locator('select').filter({ has: page.locator('option[value="5173"]') });
    await expect.poll(() => port.count(), { timeout: 30_000 }).toBe(1);
    await port.selectOption('5173');
    const desktop = await previewFrame(page);
    await expect.poll(() => desktop.locator('h1').textContent().catch(() => null), { timeout: 30_000 }).toBe('Hello Finance').catch(async (err: unknown) => {
      throw new Error(`${String(err)}\nthe preview frame is at ${desktop.url()} and shows:\n${await desktop.locator('body').innerText().catch((e: Error) => e.message)}`);
    });
    expect(await desktop.evaluate(() => window.innerWidth)).toBeGreaterThan(500);

    await preview.getByRole('button', { name: 'Mobile' }).click();
    const mobile = await previewFrame(page);
    await expect.poll(() => mobile.evaluate(() => window.innerWidth).catch(() => 0), { timeout: 15_000 }).toBeLessThan(500);
    await expect.poll(() => mobile.locator('h1').textContent().catch(() => null), { timeout: 30_000 }).toBe('Hello Finance');
    expect(await mobile.locator('h1').isVisible()).toBe(true);
    await page.close();
  }, 240_000);

  it('stops a slow reply with the Stop button, and shows a model error in a banner', async () => {
    const page = await chromium.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signInAndCreate(page);
    const chat = page.getByRole('region', { name: 'AI chat' });
    const message = chat.getByRole('textbox', { name: 'Message' });
    await expect.poll(() => chat.getByRole('button', { name: 'Send' }).isVisible(), { timeout: 60_000 }).toBe(true);
    await expect.poll(() => chat.getByText('Demo model — scripted responses').isVisible(), { timeout: 60_000 }).toBe(true);

    await message.fill('count slowly');
    await chat.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => chat.getByText(/Counting slowly: 1/).isVisible(), { timeout: 60_000 }).toBe(true);
    await chat.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => chat.getByText('Stopped.').isVisible(), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => chat.getByRole('button', { name: 'Send' }).isVisible(), { timeout: 15_000 }).toBe(true);
    const counted = await chat.getByText(/Counting slowly/).textContent();
    await page.waitForTimeout(1500);
    // Nothing more arrives after Stop, and the count never reached its end.
    expect(await chat.getByText(/Counting slowly/).textContent()).toBe(counted);
    expect(counted).not.toContain(' 200');
    // A stop is not an error.
    expect(await chat.getByText('The model reported an error').count()).toBe(0);

    // Shift+Enter is a new line, not a send.
    await message.fill('');
    await message.type('please fail');
    await message.press('Shift+Enter');
    await message.type('with an error');
    expect(await message.inputValue()).toBe('please fail\nwith an error');
    await message.fill('please fail with an error');
    await message.press('Enter');
    const banner = chat.getByRole('alert').filter({ hasText: 'The model reported an error' });
    await expect.poll(() => banner.isVisible(), { timeout: 60_000 }).toBe(true);
    expect(await banner.textContent()).toContain('asked to fail');
    await page.close();
  }, 240_000);
});
