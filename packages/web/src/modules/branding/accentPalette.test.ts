import { describe, expect, it } from 'vitest';
import { accentPalette, contrastRatio, contrastReport, readableOn, TEXT_CONTRAST } from './accentPalette';

describe('the accent palette', () => {
  it('computes WCAG contrast ratios', () => {
    expect(contrastRatio('#ffffff', '#000000')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
    expect(contrastRatio('#2563eb', '#2563eb')).toBe(1);
  });

  it('picks the readable text for a fill: white on blue, ink on yellow', () => {
    expect(readableOn('#2563eb')).toBe('#ffffff');
    expect(readableOn('#facc15')).toBe('#09090b');
  });

  it('keeps links readable on both themes, however light or dark the accent', () => {
    for (const accent of ['#facc15', '#18181b', '#2563eb', '#ffffff', '#000000']) {
      expect(contrastRatio(accentPalette(accent, 'light').accentText, '#fafafa'), accent).toBeGreaterThanOrEqual(TEXT_CONTRAST);
      expect(contrastRatio(accentPalette(accent, 'dark').accentText, '#09090b'), accent).toBeGreaterThanOrEqual(TEXT_CONTRAST);
    }
  });

  it('warns when the accent is too light for the light page and too dark for the dark one', () => {
    expect(contrastReport('#fef9c3').warnings.some((w) => w.includes('too light'))).toBe(true);
    expect(contrastReport('#111111').warnings.some((w) => w.includes('too dark'))).toBe(true);
    expect(contrastReport('#2563eb').warnings.filter((w) => w.includes('buttons'))).toEqual([]);
  });
});
