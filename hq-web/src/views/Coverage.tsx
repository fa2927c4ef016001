//! 响应圈 — "1-3-5 minute" response coverage: the live map with HQ's estimated-arrival layer on,
//! its legend (labelled an estimate, with the model's parameters) and the cells outside 5 minutes.

import { LiveView } from './Live';

export function CoverageView() {
  return <LiveView coverage />;
}
