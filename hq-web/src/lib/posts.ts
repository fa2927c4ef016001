//! Is a post held right now? The duty window containing now decides: outside every window the
//! post is off duty; inside one it is held when someone was on post within the last two minutes
//! (HQ counts an open visit up to the device's latest evidence).

import type { PostCompliance, WindowCompliance, WindowStatus } from '../api/types';

export type PostNow = 'held' | 'not_held' | 'off_duty';
export const HELD_RECENT_MS = 2 * 60_000;

export function currentWindow(pc: PostCompliance, nowMs: number): WindowCompliance | null {
  return pc.windows.find((w) => w.start_ms <= nowMs && nowMs < w.end_ms) ?? null;
}

export function postNow(pc: PostCompliance | undefined, nowMs: number): PostNow {
  if (!pc) return 'off_duty';
  const w = currentWindow(pc, nowMs);
  if (!w) return 'off_duty';
  return w.last_on_post_ms != null && nowMs - w.last_on_post_ms <= HELD_RECENT_MS ? 'held' : 'not_held';
}

export const POST_NOW_COLOUR: Record<PostNow, string> = {
  held: '#3ddc84',
  not_held: '#ff5252',
  off_duty: '#8a8f98',
};

export const STATUS_CLASS: Record<WindowStatus, string> = {
  upcoming: 'st-upcoming',
  in_progress: 'st-progress',
  on_time: 'st-ok',
  late: 'st-warn',
  left_early: 'st-warn',
  late_and_left_early: 'st-warn',
  missed: 'st-bad',
};
