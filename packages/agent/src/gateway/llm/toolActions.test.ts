import { describe, expect, it } from 'vitest';
import { promptText } from './promptText.js';
import { actionOfToolUse } from './toolActions.js';
import { ToolUseReader } from './toolUseReader.js';

describe('actionOfToolUse', () => {
  it("classifies Claude Code's and OpenCode's tools", () => {
    expect(actionOfToolUse({ name: 'Bash', input: { command: 'ls' } })).toEqual({ class: 'bash_command', command: 'ls' });
    expect(actionOfToolUse({ name: 'bash', input: { command: 'ls' } })).toEqual({ class: 'bash_command', command: 'ls' });
    expect(actionOfToolUse({ name: 'Write', input: { file_path: '/workspace/a' } })).toEqual({ class: 'file_write', path: '/workspace/a' });
    expect(actionOfToolUse({ name: 'edit', input: { filePath: 'b' } })).toEqual({ class: 'file_write', path: 'b' });
    expect(actionOfToolUse({ name: 'NotebookEdit', input: { notebook_path: 'n.ipynb' } })).toEqual({ class: 'file_write', path: 'n.ipynb' });
    expect(actionOfToolUse({ name: 'WebFetch', input: { url: 'https://Docs.Example.com/a?b=1' } })).toEqual({ class: 'http_request', domain: 'docs.example.com', method: 'GET', path: '/a' });
  });

  it('skips tools of no class and inputs that are not what the tool takes', () => {
    expect(actionOfToolUse({ name: 'Read', input: { file_path: '/etc/passwd' } })).toBeUndefined();
    expect(actionOfToolUse({ name: 'Bash', input: { command: 42 } })).toBeUndefined();
    expect(actionOfToolUse({ name: 'Write', input: null })).toBeUndefined();
  });
});

describe('ToolUseReader', () => {
  it('joins streamed input fragments per block, interleaved or not, split anywhere', () => {
    const events = [
      { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', name: 'Bash', input: {} } },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', name: 'Write', input: {} } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"comm' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"file_path":"x"}' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: 'and":"ls"}' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'content_block_stop', index: 0 },
    ].map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('');
    const reader = new ToolUseReader('text/event-stream');
    for (let i = 0; i < events.length; i += 7) reader.push(Buffer.from(events.slice(i, i + 7)));
    expect(reader.finish()).toEqual([{ name: 'Write', input: { file_path: 'x' } }, { name: 'Bash', input: { command: 'ls' } }]);
  });

  it('reads a JSON answer once complete, and nothing from an error page', () => {
    const json = new ToolUseReader('application/json');
    json.push(JSON.stringify({ content: [{ type: 'text', text: 'hi' }, { type: 'tool_use', name: 'Bash', input: { command: 'ls' } }] }));
    expect(json.finish()).toEqual([{ name: 'Bash', input: { command: 'ls' } }]);
    const page = new ToolUseReader('text/html');
    page.push('<html>');
    expect(page.finish()).toEqual([]);
  });
});

describe('promptText', () => {
  it('takes the system prompt and every text, unescaped, without base64 media', () => {
    const text = promptText({
      model: 'm',
      system: [{ type: 'text', text: 'be nice' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: '-----BEGIN KEY-----\nabc' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'QUtJQQ==' } }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'cat .env' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'TOKEN=xyz' }] },
      ],
    });
    expect(text.split('\n')).toEqual(['be nice', '-----BEGIN KEY-----', 'abc', 'Bash', 'cat .env', 'TOKEN=xyz']);
    expect(text).not.toContain('QUtJQQ==');
    expect(text).not.toContain('toolu_1');
  });
});
