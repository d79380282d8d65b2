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
    await stack.userToken('home@example.com');
  }, 120_000);
  afterAll(async () => {
    await chromium?.close();
    await stack?.close();
    await sim?.close();
  });

  async function signIn(page: Page, email: string): Promise<void> {
    await page.goto(`${stack.url}/`);
    await page.waitForURL(/\/login/);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  async function signInAndCreate(page: Page): Promise<void> {
    await signIn(page, 'finance@example.com');
    const starter = page.getByTestId('blueprint-card').filter({ hasText: 'Starter' });
    await starter.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/\/workspaces\/[0-9a-f-]+$/);
    await expect.poll(() => page.getByTestId('workspace-state').textContent(), { timeout: 30_000 }).toBe('running');
    await page.getByRole('tab', { name: 'AI chat' }).click();
  }

  /**
   * The page inside the preview iframe, once it has loaded from the preview origin. The element is
   * looked up afresh each time: every new link (another port, a reload) is a new iframe.
   */
  async function previewFrame(page: Page): Promise<Frame> {
    await page.getByTestId('preview-frame').waitFor({ timeout: 30_000 });
    for (const deadline = Date.now() + 45_000; Date.now() < deadline; await page.waitForTimeout(200)) {
      const handle = await page.getByTestId('preview-frame').elementHandle({ timeout: 5_000 }).catch(() => null);
      const frame = await handle?.contentFrame();
      if (frame && /^http:\/\/5173--.*\.preview\.localhost/.test(frame.url())) return frame;
    }
    const frames = page.frames().map((f) => f.url());
    const srcs = await page.getByTestId('preview-frame').evaluateAll((els) => els.map((el) => (el as HTMLIFrameElement).src));
    const panel = await page.getByRole('region', { name: 'Preview' }).first().innerText().catch(() => '');
    throw new Error(`the preview frame never loaded the preview origin; frames: ${frames.join(', ')}; preview-frame srcs: ${srcs.join(', ')}; the panel says: ${panel}`);
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
    await showing('Started the app', 60_000);
    await showing(/Done: the page says "Hello Finance"/, 60_000);
    await expect.poll(() => chat.getByRole('button', { name: 'Send' }).isVisible()).toBe(true);

    // The preview picks up the dev server the model started, by itself; with one app, no port is shown.
    const preview = page.getByRole('region', { name: 'Preview' });
    expect(await preview.getByText(/port/i).count()).toBe(0);
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
    // Enter at once, while the AI is still starting: the message waits for it and goes out by itself.
    await message.fill('count slowly');
    await message.press('Enter');
    expect(await message.inputValue()).toBe('');
    await expect.poll(() => chat.getByText(/Counting slowly: 1/).isVisible(), { timeout: 90_000 }).toBe(true);
    expect(await chat.getByTestId('waiting-message').count()).toBe(0);
    expect(await chat.locator('[data-role="user"]').allTextContents()).toEqual(['count slowly']);
    // The reply's Stop is not the workspace's Stop.
    expect(await page.getByRole('button', { name: 'Stop', exact: true }).count()).toBe(1);
    // A reload in the middle of the reply shows the reply from its start, never only its tail.
    await page.reload();
    await expect.poll(() => chat.getByRole('button', { name: 'Stop reply' }).isVisible(), { timeout: 60_000 }).toBe(true);
    await page.waitForTimeout(1_000);
    const during = await chat.locator('[data-role="assistant"]').allInnerTexts();
    expect(during.every((text) => text.trim() === '' || /Counting slowly: 1\b/.test(text)), JSON.stringify(during)).toBe(true);
    await chat.getByRole('button', { name: 'Stop reply' }).click();
    await expect.poll(() => chat.getByText('Stopped.').isVisible(), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => chat.getByRole('button', { name: 'Send' }).isVisible(), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => chat.getByText(/Counting slowly: 1\b/).isVisible(), { timeout: 15_000 }).toBe(true);
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

  it('from the home prompt box, one Enter gives a workspace whose chat holds the prompt and whose preview shows the result', async () => {
    const page = await chromium.browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await signIn(page, 'home@example.com');
    const box = page.getByRole('textbox', { name: 'What do you want to build?' });
    await box.fill('Build a page that says Hello Home');
    // Shift+Enter is a new line; taken back, so the prompt is the model's trigger.
    await box.press('Shift+Enter');
    expect(await box.inputValue()).toBe('Build a page that says Hello Home\n');
    await box.press('Backspace');
    expect(await page.getByRole('combobox', { name: 'Blueprint' }).inputValue()).toBeTruthy();
    await box.press('Enter');

    // The workspace is named after the prompt, and opens on its AI chat with no other click.
    await page.waitForURL(/\/workspaces\/[0-9a-f-]+$/, { timeout: 30_000 });
    const workspaceId = new URL(page.url()).pathname.split('/').pop()!;
    await expect.poll(() => page.getByRole('heading', { level: 1, name: 'Page that says Hello Home', exact: true }).isVisible(), { timeout: 30_000 }).toBe(true);
    const chat = page.getByRole('region', { name: 'AI chat' });
    const transcript = async () => `the chat shows:\n${await chat.innerText().catch(() => '(no chat)')}`;
    const showing = (text: string | RegExp, timeout: number) =>
      expect.poll(() => chat.getByText(text).first().isVisible(), { timeout }).toBe(true).catch(async (err: unknown) => {
        throw new Error(`${String(err)}\nwaiting for ${String(text)}; ${await transcript()}`);
      });
    await showing('Build a page that says Hello Home', 90_000);
    await showing('Started the app', 120_000);
    await showing(/Done: the page says "Hello Home"/, 60_000);
    // The command itself is behind "details", for whoever wants it.
    const step = chat.getByTestId('tool-activity').filter({ hasText: 'Started the app' });
    expect(await step.getByText(/node serve\.mjs/).isVisible()).toBe(false);
    await step.getByText('details').click();
    expect(await step.getByText(/node serve\.mjs/).isVisible()).toBe(true);

    // The preview follows the app the model started.
    const frame = await previewFrame(page);
    await expect.poll(() => frame.locator('h1').textContent().catch(() => null), { timeout: 30_000 }).toBe('Hello Home');

    // Sent exactly once: a reload shows the one prompt and sends nothing again.
    expect(await chat.locator('[data-role="user"]').allTextContents()).toEqual(['Build a page that says Hello Home']);
    await page.reload();
    await showing(/Done: the page says "Hello Home"/, 60_000);
    // And the preview stays on the app the AI started (this blueprint's own App tab also listens, on 3000).
    const again = await previewFrame(page);
    await expect.poll(() => again.locator('h1').textContent().catch(() => null), { timeout: 30_000 }).toBe('Hello Home');
    await page.waitForTimeout(3_000);
    expect(await chat.locator('[data-role="user"]').allTextContents()).toEqual(['Build a page that says Hello Home']);
    expect(await page.evaluate((id) => sessionStorage.getItem(`paddock.first-prompt.${id}`), workspaceId)).toBeNull();

    // Long unbroken text wraps inside its bubble, and the chat scrolls to the newest message.
    const long = `https://example.com/${'x'.repeat(400)}`;
    const message = chat.getByRole('textbox', { name: 'Message' });
    await message.fill(long);
    await message.press('Enter');
    await showing(/You said/, 60_000);
    const bubble = chat.locator('[data-role="user"]').last();
    const fits = await bubble.evaluate((el) => ({ inside: el.scrollWidth <= el.clientWidth + 1, log: el.closest('[role="log"]')!.scrollWidth <= el.closest('[role="log"]')!.clientWidth + 1 }));
    expect(fits).toEqual({ inside: true, log: true });
    expect(await chat.locator('[data-role="assistant"]').last().isVisible()).toBe(true);
    // The conversation's scrolling box is at its end.
    await expect.poll(() => chat.locator('[role="log"]').evaluate((log) => {
      let box: HTMLElement | null = log.parentElement;
      while (box && getComputedStyle(box).overflowY !== 'auto') box = box.parentElement;
      return box ? box.scrollHeight - box.scrollTop - box.clientHeight : -1;
    }), { timeout: 5_000 }).toBeLessThan(4);

    // The workspace list shows its display name.
    await page.goto(`${stack.url}/workspaces`);
    await expect.poll(() => page.getByTestId('workspace-row').filter({ hasText: 'Page that says Hello Home' }).count(), { timeout: 10_000 }).toBe(1);
    await page.close();
  }, 300_000);
});
