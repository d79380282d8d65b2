import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox, masterKeyId } from './secretBox.js';

const key = () => { const k = randomBytes(32); return { id: masterKeyId(k), key: k }; };

describe('SecretBox', () => {
  it('round-trips, uses a fresh data key each time, and binds the context', () => {
    const box = new SecretBox(key());
    const a = box.seal('sk-live-123', 'blueprint:1/API_KEY');
    const b = box.seal('sk-live-123', 'blueprint:1/API_KEY');
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(a.wrappedKey).not.toBe(b.wrappedKey);
    expect(Buffer.from(a.ciphertext, 'base64').toString('latin1')).not.toContain('sk-live-123');
    expect(box.open(a, 'blueprint:1/API_KEY')).toBe('sk-live-123');
    expect(() => box.open(a, 'blueprint:2/API_KEY')).toThrow();
  });

  it('detects tampering', () => {
    const box = new SecretBox(key());
    const s = box.seal('value', 'ctx');
    const bytes = Buffer.from(s.ciphertext, 'base64');
    bytes[bytes.length - 1]! ^= 1;
    expect(() => box.open({ ...s, ciphertext: bytes.toString('base64') }, 'ctx')).toThrow();
  });

  it('rewraps under a new master key while the old one is still in the ring', () => {
    const oldKey = key();
    const sealed = new SecretBox(oldKey).seal('value', 'ctx');
    const rotated = new SecretBox(key(), [oldKey]);
    expect(rotated.open(sealed, 'ctx')).toBe('value');
    const rewrapped = rotated.rewrap(sealed, 'ctx');
    expect(rewrapped.masterKeyId).toBe(rotated.current.id);
    expect(rewrapped.ciphertext).toBe(sealed.ciphertext);
    expect(new SecretBox(rotated.current).open(rewrapped, 'ctx')).toBe('value');
    expect(() => new SecretBox(key()).open(sealed, 'ctx')).toThrow(/not in the key ring/);
  });
});
