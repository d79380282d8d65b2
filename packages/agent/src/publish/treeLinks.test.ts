import { describe, expect, it } from 'vitest';
import { linkStaysInside } from './treeLinks.js';

const inside = (links: Record<string, string>, path: string) => linkStaysInside(new Map(Object.entries(links)), path);

describe('linkStaysInside', () => {
  it('follows relative targets from the link’s own directory', () => {
    expect(inside({ 'a/b/link': '../c/file' }, 'a/b/link')).toBe(true);
    expect(inside({ 'a/link': '../../x' }, 'a/link')).toBe(false);
    expect(inside({ link: '.' }, 'link')).toBe(true);
    expect(inside({ link: '..' }, 'link')).toBe(false);
    expect(inside({ 'a/link': 'b//c/./d' }, 'a/link')).toBe(true);
  });

  it('refuses absolute targets, the host’s root is not the app’s', () => {
    expect(inside({ link: '/etc/passwd' }, 'link')).toBe(false);
    expect(inside({ link: '/workspace/app.js' }, 'link')).toBe(false);
  });

  it('walks through the other links of the tree, as the kernel would', () => {
    // Text alone says `b/..` is `.`; through b it is two levels up.
    expect(inside({ b: 'x/y/../../..', sneaky: 'b/..' }, 'sneaky')).toBe(false);
    expect(inside({ 'sub/deep': '../..', sneaky: 'sub/deep/..' }, 'sneaky')).toBe(false);
    expect(inside({ 'sub/up': '..', fine: 'sub/up/file' }, 'fine')).toBe(true);
    expect(inside({ one: 'two', two: '/etc' }, 'one')).toBe(false);
  });

  it('refuses a loop rather than following it forever', () => {
    expect(inside({ a: 'b', b: 'a' }, 'a')).toBe(false);
    expect(inside({ self: 'self' }, 'self')).toBe(false);
  });
});
