// No visible text bypasses i18n: UI code (screens, components, state, app) holds no Chinese
// characters and no Latin words as JSX text or in visible attributes. Demo data (the fake's
// city) and the dictionaries are the only places Chinese may appear in src/.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(__dirname, '..', 'src');
const UI_DIRS = ['screens', 'components', 'state'].map((d) => join(SRC, d));
const UI_FILES = [join(SRC, 'app.tsx'), join(SRC, 'main.tsx'), join(SRC, 'router.ts')];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|tsx)$/.test(name) ? [p] : [];
  });
}

const uiFiles = [...UI_DIRS.flatMap(files), ...UI_FILES];
const code = (s: string) => s.replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
// CJK ideographs, CJK punctuation and full-width forms.
const CJK = /[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]/;

describe('no visible string literal bypasses i18n', () => {
  it('finds the UI files', () => expect(uiFiles.length).toBeGreaterThan(20));

  it.each(uiFiles.map((f) => [relative(SRC, f), f]))('%s has no Chinese outside comments', (_, f) => {
    const hits = code(readFileSync(f, 'utf8'))
      .split('\n')
      .map((line, i) => [i + 1, line] as const)
      .filter(([, line]) => CJK.test(line));
    expect(hits).toEqual([]);
  });

  it.each(uiFiles.filter((f) => f.endsWith('.tsx')).map((f) => [relative(SRC, f), f]))(
    '%s has no Latin words as JSX text or visible attributes',
    (_, f) => {
      const src = code(readFileSync(f, 'utf8'));
      const text = [...src.matchAll(/>\s*([A-Za-z][^<>{}]*?)\s*<\//g)].map((m) => m[1]);
      const attrs = [...src.matchAll(/\b(?:aria-label|title|placeholder|alt|label)="([^"]*[A-Za-z][^"]*)"/g)].map((m) => m[1]);
      expect([...text, ...attrs]).toEqual([]);
    },
  );

  it('the detector itself works', () => {
    expect(CJK.test('保存')).toBe(true);
    expect(CJK.test('：')).toBe(true);
    expect(CJK.test('Save — ✓')).toBe(false);
    expect([...'<p>Save</p>'.matchAll(/>\s*([A-Za-z][^<>{}]*?)\s*<\//g)].length).toBe(1);
  });
});
