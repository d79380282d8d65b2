import { describe, expect, it } from 'vitest';
import { MIN_SPAN, clampWindow, panWindow, percentAt, ticks, zoomWindow } from './timelineScale';

const H = 3_600_000;
const range = { start: 0, end: 24 * H };

describe("the timeline's zoom and pan", () => {
  it('zooms in around the middle or a point, no narrower than the minimum, and out no wider than the range', () => {
    expect(zoomWindow(range, range, 0.5)).toEqual({ start: 6 * H, end: 18 * H });
    expect(zoomWindow(range, range, 0.5, 0)).toEqual({ start: 0, end: 12 * H });
    let view = range;
    for (let i = 0; i < 30; i++) view = zoomWindow(view, range, 0.5);
    expect(view.end - view.start).toBe(MIN_SPAN);
    expect(zoomWindow({ start: 20 * H, end: 22 * H }, range, 100)).toEqual(range);
  });

  it('pans by a share of the view and stops at the ends of the range', () => {
    const view = { start: 10 * H, end: 14 * H };
    expect(panWindow(view, range, 0.5)).toEqual({ start: 12 * H, end: 16 * H });
    expect(panWindow(view, range, -10)).toEqual({ start: 0, end: 4 * H });
    expect(panWindow(view, range, 10)).toEqual({ start: 20 * H, end: 24 * H });
    expect(clampWindow({ start: -5 * H, end: 30 * H }, range)).toEqual(range);
  });

  it('places times in percent of the view, and labels a few evenly spaced ticks', () => {
    expect(percentAt(range, 6 * H)).toBe(25);
    const day = ticks({ start: Date.UTC(2026, 0, 1), end: Date.UTC(2026, 0, 2) });
    expect(day.length).toBeGreaterThan(3);
    expect(day.length).toBeLessThanOrEqual(8);
    const gaps = day.slice(1).map((t, i) => t.at - day[i]!.at);
    expect(new Set(gaps).size).toBe(1);
    const week = ticks({ start: Date.UTC(2026, 0, 1), end: Date.UTC(2026, 0, 8) });
    expect(week.every((t) => t.label.length > 0)).toBe(true);
    expect(week.length).toBeLessThanOrEqual(8);
  });
});
