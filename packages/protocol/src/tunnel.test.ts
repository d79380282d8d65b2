import { describe, expect, it } from 'vitest';
import { tunnelCompatibility } from './tunnel.js';

describe('tunnel protocol compatibility', () => {
  it('accepts the same major with minors at most one apart, either side newer', () => {
    for (const [p, a] of [[[1, 1], [1, 1]], [[1, 1], [1, 0]], [[1, 1], [1, 2]], [[2, 0], [2, 1]]] as const) {
      expect(tunnelCompatibility({ major: p[0], minor: p[1] }, { major: a[0], minor: a[1] })).toEqual({ ok: true });
    }
  });

  it('refuses the rest, naming the side to upgrade', () => {
    expect(tunnelCompatibility({ major: 1, minor: 3 }, { major: 1, minor: 1 })).toMatchObject({ ok: false, upgrade: 'agent' });
    expect(tunnelCompatibility({ major: 1, minor: 1 }, { major: 1, minor: 3 })).toMatchObject({ ok: false, upgrade: 'portal' });
    expect(tunnelCompatibility({ major: 2, minor: 0 }, { major: 1, minor: 9 })).toMatchObject({ ok: false, upgrade: 'agent' });
    expect(tunnelCompatibility({ major: 1, minor: 0 }, { major: 2, minor: 0 })).toMatchObject({ ok: false, upgrade: 'portal' });
  });
});
