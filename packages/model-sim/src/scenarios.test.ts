import { describe, expect, it } from 'vitest';
import { scriptedReply } from './scenarios.js';

const text = (reply: ReturnType<typeof scriptedReply>) => reply.blocks.map((b) => (b.type === 'text' ? b.text : '')).join('');

describe('scripted scenarios', () => {
  it("answers a client's side request for a conversation title with a title, not the scenario it quotes", () => {
    const title = scriptedReply({
      model: 'm', max_tokens: 10,
      system: 'You are a title generator. You output ONLY a thread title. Nothing else.',
      messages: [{ role: 'user', content: 'Generate a title for this conversation:\ncount slowly' }],
    });
    expect(text(title)).toBe('Demo chat');
    expect(title.pauseMs).toBeUndefined();
    // The same words as the conversation's own prompt still play the scenario.
    const count = scriptedReply({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'count slowly' }] });
    expect(text(count)).toMatch(/^Counting slowly: 1 2 3/);
    expect(count.pauseMs).toBeGreaterThan(0);
  });
});

describe('the build-a-page scenario', () => {
  const tools = [{ name: 'write', input_schema: {} }, { name: 'bash', input_schema: {} }];
  const ask = { role: 'user' as const, content: 'Build a page that says Hello Finance' };

  it('takes its next step from the tool calls already made, even when the client inserts an extra turn', () => {
    const first = scriptedReply({ model: 'm', max_tokens: 10, tools, messages: [ask] });
    const writes = first.blocks.filter((b) => b.type === 'tool_use');
    expect(writes.map((b) => (b.type === 'tool_use' ? b.name : ''))).toEqual(['write', 'write']);
    const afterWrite = [
      ask,
      { role: 'assistant' as const, content: first.blocks },
      { role: 'user' as const, content: writes.map((b) => ({ type: 'tool_result', tool_use_id: b.type === 'tool_use' ? b.id : '', content: 'ok' })) },
      // A client-side extra assistant turn (e.g. a split step) must not skip the server start.
      { role: 'assistant' as const, content: [{ type: 'text', text: 'Continuing.' }] },
    ];
    const second = scriptedReply({ model: 'm', max_tokens: 10, tools, messages: afterWrite as never });
    expect(second.blocks).toMatchObject([{ type: 'tool_use', name: 'bash' }]);
  });
});

describe('the run-a-command scenario', () => {
  const tools = [{ name: 'Write', input_schema: {} }, { name: 'Bash', input_schema: {} }];
  const ask = { role: 'user' as const, content: 'Please run the command `touch /workspace/marker`' };

  it('asks for one bash call, then quotes what the tool said', () => {
    const first = scriptedReply({ model: 'm', max_tokens: 10, tools, messages: [ask] });
    expect(first.stopReason).toBe('tool_use');
    expect(first.blocks).toMatchObject([{ type: 'tool_use', name: 'Bash', input: { command: 'touch /workspace/marker' } }]);
    const id = first.blocks[0]!.type === 'tool_use' ? first.blocks[0]!.id : '';
    const done = scriptedReply({
      model: 'm', max_tokens: 10, tools,
      messages: [ask, { role: 'assistant', content: first.blocks }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: [{ type: 'text', text: 'refused by policy' }], is_error: true }] }],
    });
    expect(text(done)).toBe('The command is done. The tool said: refused by policy');
  });
});
