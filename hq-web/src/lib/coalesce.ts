//! Pushed events into refetches. HQ pushes an `upload` event for every upload; at a city's rate
//! (1,000 devices syncing every minute or two: an event every 60–120 ms) a plain debounce never
//! fires — each event restarts its timer — so the page would stop refreshing exactly when the
//! city is busiest. A coalescer fires for the first event after a quiet spell once `settleMs`
//! have passed (a burst is one refetch), and then at most once every `gapMs` for as long as
//! events keep coming: never starved, never more often than the answers can be afforded.

export type Coalescer = {
  /** An event arrived. */
  push(): void;
  /** Stop: a pending refetch is dropped. */
  close(): void;
};

export function coalescer(fire: () => void, settleMs: number, gapMs: number): Coalescer {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let last = -Infinity;
  let closed = false;
  return {
    push() {
      if (closed || timer !== null) return;
      const wait = Math.max(settleMs, last + gapMs - Date.now());
      timer = setTimeout(() => {
        timer = null;
        last = Date.now();
        fire();
      }, wait);
    },
    close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}
