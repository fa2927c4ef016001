//! Small shared hooks.

import { useEffect, useState } from 'preact/hooks';

/** Whether a media query matches now (re-renders when it changes). */
export function useMedia(query: string): boolean {
  const mq = () => (typeof matchMedia === 'function' ? matchMedia(query) : null);
  const [on, setOn] = useState(() => mq()?.matches ?? false);
  useEffect(() => {
    const m = mq();
    if (!m) return;
    const f = () => setOn(m.matches);
    m.addEventListener('change', f);
    return () => m.removeEventListener('change', f);
  }, [query]);
  return on;
}

/** The wall clock, re-rendering every `ms` (elapsed patrol time, minutes on post). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}
