import { useEffect, useState } from 'react';

/** The browser's time, re-read every `everyMs`: for countdowns that must move while nothing else changes. */
export function useNow(everyMs = 1_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
