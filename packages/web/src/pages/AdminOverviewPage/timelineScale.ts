/** A stretch of time, in milliseconds since the epoch. */
export interface Window { start: number; end: number }

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** The narrowest a view may zoom to: a few minutes still show as bars. */
export const MIN_SPAN = 10 * MINUTE;
const STEPS = [MINUTE, 5 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY];

/** `view` moved into `range` without changing its length (or shrunk to it). */
export function clampWindow(view: Window, range: Window): Window {
  const span = Math.min(view.end - view.start, range.end - range.start);
  const start = Math.min(Math.max(view.start, range.start), range.end - span);
  return { start, end: start + span };
}

/** Zoomed by `factor` (< 1 zooms in) around `at` (by default the middle), kept inside `range`. */
export function zoomWindow(view: Window, range: Window, factor: number, at = (view.start + view.end) / 2): Window {
  const span = Math.max(MIN_SPAN, (view.end - view.start) * factor);
  const ratio = (at - view.start) / (view.end - view.start);
  return clampWindow({ start: at - span * ratio, end: at - span * ratio + span }, range);
}

/** Moved by `fraction` of its length (negative: back in time), kept inside `range`. */
export function panWindow(view: Window, range: Window, fraction: number): Window {
  const shift = (view.end - view.start) * fraction;
  return clampWindow({ start: view.start + shift, end: view.end + shift }, range);
}

/** Where `t` falls across the view, in percent (may lie outside 0–100). */
export const percentAt = (view: Window, t: number) => ((t - view.start) / (view.end - view.start)) * 100;

/**
 * The axis's ticks: the first step that makes at most `max` of them, aligned to whole
 * steps in local time (midnight for days), each labelled with a time, or a date for days.
 */
export function ticks(view: Window, max = 8): Array<{ at: number; label: string }> {
  const span = view.end - view.start;
  const step = STEPS.find((s) => span / s < max) ?? STEPS.at(-1)!;
  const offset = new Date(view.start).getTimezoneOffset() * MINUTE;
  let at = Math.ceil((view.start - offset) / step) * step + offset;
  const out: Array<{ at: number; label: string }> = [];
  const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
  const date = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
  for (; at <= view.end && out.length < 50; at += step) {
    const d = new Date(at);
    const midnight = d.getHours() === 0 && d.getMinutes() === 0;
    out.push({ at, label: step >= DAY || midnight ? date.format(d) : time.format(d) });
  }
  return out;
}
