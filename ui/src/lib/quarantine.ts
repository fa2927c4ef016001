//! A quarantined entry (one HQ keeps out of its figures) in the officer's words: what HQ's code
//! means, then — when HQ refused the payload by a rule — which field and which rule, translated
//! like a form's own error (`tField`, `validation.<code>` with its params). HQ's English `reason`
//! is kept only for the "technical details" fold.

import type { Quarantined } from '../api/types';
import { fmtSeq, has, knownField, t, tField, tk } from '../i18n';

/** HQ's stable codes the app says in words (patrol-hq's ingest, the device's sync engine). */
export const QUARANTINE_CODES = [
  'invalid_payload',
  'invalid_cell',
  'bad_hash',
  'bad_link',
  'gap',
  'unknown_kind',
  'wrong_device',
  'conflict',
  'bad_encoding',
] as const;

export type QuarantineText = {
  /** Which entry: "记录 #12". */
  title: string;
  /** What HQ's code means; a generic sentence for a code this app does not know. */
  what: string;
  /** The field and the rule HQ named ("描述：不能超过 500 个字"); null when it named none. */
  rule: string | null;
  /** For the fold only: HQ's code and its English reason, as sent. */
  detail: string;
};

export function quarantineText(q: Quarantined): QuarantineText {
  const what = has(`quarantine.code.${q.code}`) ? tk(`quarantine.code.${q.code}`) : t('quarantine.code.other');
  let rule: string | null = null;
  if (q.invalid) {
    const { field, code, params } = q.invalid;
    rule = t('format.label_value', {
      // A field this app has no label for is not shown by its raw (English) name.
      label: knownField(field) ? tField(field) : t('quarantine.field_unknown'),
      value: tk(`validation.${code}`, params, t('quarantine.rule_unknown')),
    });
  }
  const reason = q.reason.trim();
  return {
    title: t('quarantine.item', { seq: fmtSeq(q.seq) }),
    what,
    rule,
    detail: reason ? `${q.code}: ${reason}` : q.code,
  };
}
