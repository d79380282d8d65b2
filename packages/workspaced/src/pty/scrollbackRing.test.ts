import { describe, expect, it } from 'vitest';
import { ScrollbackRing } from './scrollbackRing.js';

describe('ScrollbackRing', () => {
  it('keeps everything while under capacity', () => {
    const ring = new ScrollbackRing(16);
    ring.write(Buffer.from('hello '));
    ring.write(Buffer.from('world'));
    expect(ring.snapshot().toString()).toBe('hello world');
  });

  it('drops the oldest bytes across wrap-around', () => {
    const ring = new ScrollbackRing(8);
    ring.write(Buffer.from('abcdef'));
    ring.write(Buffer.from('ghij'));
    expect(ring.snapshot().toString()).toBe('cdefghij');
    ring.write(Buffer.from('kl'));
    expect(ring.snapshot().toString()).toBe('efghijkl');
    expect(ring.size).toBe(8);
  });

  it('keeps only the tail of a chunk larger than the ring', () => {
    const ring = new ScrollbackRing(4);
    ring.write(Buffer.from('xy'));
    ring.write(Buffer.from('0123456789'));
    expect(ring.snapshot().toString()).toBe('6789');
  });

  it('never grows past its capacity however much is written', () => {
    const ring = new ScrollbackRing(1000);
    for (let i = 0; i < 10_000; i++) ring.write(Buffer.from(`line ${i}\n`));
    const text = ring.snapshot().toString();
    expect(text.length).toBe(1000);
    expect(text.endsWith('line 9999\n')).toBe(true);
  });
});
