/**
 * The first message of a workspace made from the home prompt box, on its way to the AI chat.
 *
 * Why the browser's sessionStorage, keyed by workspace id, and not the portal: the portal relays
 * AI conversations and stores none of them (the design's promise: they never touch its database),
 * and a prompt is the start of one. sessionStorage is this browser tab's own: it survives
 * the navigation to the workspace and a reload of its page, but not into another tab or device,
 * so one prompt has one sender.
 *
 * Exactly once: the chat sends it only once its AI is connected, and clears it as soon as the AI
 * accepted it. A reload between the two (the send went out, the answer didn't come back) finds
 * the prompt still here; the chat then looks at the AI's own record first, and sends only if the
 * workspace's conversation holds no message of the builder yet (ChatPanel's deliverFirstPrompt).
 */
const key = (workspaceId: string) => `paddock.first-prompt.${workspaceId}`;

export function keepFirstPrompt(workspaceId: string, text: string): void {
  try {
    window.sessionStorage.setItem(key(workspaceId), text);
  } catch {
    // Storage off (a private window's quota): the builder's prompt goes nowhere silently otherwise.
    throw new Error('this browser does not let Paddock keep your prompt while the workspace opens; allow site storage and try again');
  }
}

export function pendingFirstPrompt(workspaceId: string): string | null {
  try {
    return window.sessionStorage.getItem(key(workspaceId));
  } catch {
    return null;
  }
}

export function firstPromptDelivered(workspaceId: string): void {
  try {
    window.sessionStorage.removeItem(key(workspaceId));
  } catch {
    // Nothing kept, nothing to clear.
  }
}
