//! The report kinds HQ lists (`/api/v1/reports` `kind`), in the filter's order: the officers'
//! records, post check-ins and -outs, and their steps on a dispatch.

export const REPORT_KINDS = ['violation', 'lost_person', 'traffic_accident', 'assistance', 'incident', 'post_arrived', 'post_left', 'dispatch_step'];
