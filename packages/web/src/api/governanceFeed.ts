import { useEffect, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { governanceEventItemSchema, type GovernanceEventFilter, type GovernanceEventItem } from '@paddock/protocol';
import { eventFilterSearch, governanceEventsQueryKey } from './governance';

export type FeedStatus = 'connecting' | 'live' | 'reconnecting' | 'refused';

/** The newest this many live events are kept; older ones are one page refetch away. */
const MAX_LIVE = 500;
const BASE_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;
/** Closes the portal sends when it refused the socket outright (a 4xx before the upgrade reads as 1006 in the browser). */
const CLOSE_MISSED = 4000;

/**
 * Follows WS /api/v1/governance/feed for one filter: the events it sends,
 * newest first. After every (re)connect the filter's event list is refetched,
 * since what happened while the socket was down is not replayed (the portal
 * closes with 4000 when its bus may have missed some, and 4008 when we read
 * too slowly; both mean: reconnect and refetch).
 */
export function useGovernanceFeed(filter: GovernanceEventFilter): { status: FeedStatus; events: GovernanceEventItem[] } {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<FeedStatus>('connecting');
  const [events, setEvents] = useState<GovernanceEventItem[]>([]);
  const search = eventFilterSearch(filter);
  // The socket follows the filter's text, not the object's identity (a new one each render).
  const filterRef = useRef(filter);
  filterRef.current = filter;

  useEffect(() => {
    let socket: WebSocket | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let disposed = false;
    setEvents([]);
    setStatus('connecting');

    const connect = () => {
      const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
      socket = new WebSocket(`${scheme}://${window.location.host}/api/v1/governance/feed${search}`);
      socket.addEventListener('open', () => {
        failures = 0;
        setStatus('live');
        void queryClient.invalidateQueries({ queryKey: governanceEventsQueryKey(filterRef.current) });
      });
      socket.addEventListener('message', (message) => {
        if (typeof message.data !== 'string') return;
        let parsed: unknown;
        try {
          parsed = JSON.parse(message.data);
        } catch {
          return; // Not worth dropping the feed over one bad frame.
        }
        const frame = parsed as { type?: unknown; event?: unknown };
        if (frame.type !== 'event') return;
        const event = governanceEventItemSchema.safeParse(frame.event);
        if (!event.success) return;
        setEvents((before) => [event.data, ...before.filter((e) => e.id !== event.data.id)].slice(0, MAX_LIVE));
      });
      socket.addEventListener('close', (close) => {
        if (disposed) return;
        failures += 1;
        // Refused before the upgrade (signed out, no longer an admin) looks like an abnormal close: keep
        // trying, slower, so a session renewed in another tab picks the feed back up.
        setStatus(close.code === CLOSE_MISSED || failures < 4 ? 'reconnecting' : 'refused');
        const delay = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.min(failures - 1, 5));
        retryTimer = setTimeout(connect, delay);
      });
    };

    connect();
    return () => {
      disposed = true;
      clearTimeout(retryTimer);
      socket?.close();
    };
  }, [queryClient, search]);

  return { status, events };
}

/** The live events and a fetched page together: newest first, each once. */
export function mergeEvents(live: GovernanceEventItem[], fetched: GovernanceEventItem[]): GovernanceEventItem[] {
  const seen = new Set<string>();
  const all: GovernanceEventItem[] = [];
  for (const e of [...live, ...fetched]) {
    if (seen.has(e.id)) continue;
    seen.add(e.id);
    all.push(e);
  }
  return all.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}
