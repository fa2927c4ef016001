// Page test: drives Debian's Chromium (playwright-core, no downloaded browser) against a REAL
// HQ serving this page (HQ_URL, e.g. http://127.0.0.1:8787, populated by the simulator) with an
// operator token (HQ_TOKEN). Signs in; renders every view in zh-CN and en at 1920×1080 and
// 1366×768 (no missing keys, no stray Latin text in zh-CN, no horizontal overflow); checks
// every figure on Today equals GET /api/v1/stats/daily and the bulletin equals
// GET /api/v1/bulletin; a pushed upload shows on the live map without a reload (HQ_UPLOAD_CMD);
// dispatch (派警): a click on the map opens the form, the units are listed exactly as HQ ranks
// them, HQ's refusals read in the operator's language, a dispatch sent to the first unit is on
// the board as sent, and its unit's device (HQ_DEVICE_CLI, the device HQ_UPLOAD_CMD enrolled)
// takes it, accepts and arrives while the board follows; more units, a reassignment with a
// reason, the overdue flag of a unit that never answers, a close with a reason, a dispatch
// from a report, and the 1-3-5 figures on Dispatch and Today equal HQ's;
// a revoked session (HQ_REVOKE_CMD revokes HQ_REVOKE_TOKEN's operator, else HQ_TOKEN's) and
// an expired one (a 5-second session, `ttl_s`) land on sign-in;
// nothing is requested beyond HQ's origin, no CSP violation, no page error. A check whose env
// var is missing is skipped and says so. HQ_SIM_DATE names the day the simulator filled (the day
// before the page's today; replay then opens that day). Screenshots
// go to ../artifacts/hq-web/ (SCREENS_DIR).
import { execSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const OUT = (process.env.SCREENS_DIR ?? here('../../artifacts/hq-web/')).replace(/\/?$/, '/');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const HQ = (process.env.HQ_URL ?? '').replace(/\/$/, '');
const TOKEN = process.env.HQ_TOKEN ?? '';
/** The local day the simulator filled (HQ_SIM_DATE), when the page's today may be another. */
const SIM_DATE = process.env.HQ_SIM_DATE ?? '';
const VIEWPORTS = [
  { name: '1920x1080', width: 1920, height: 1080 },
  { name: '1366x768', width: 1366, height: 768 },
];
const VIEWS = ['live', 'dispatch', 'today', 'posts', 'coverage', 'presence', 'replay', 'reports', 'devices'];
const LANGS = ['zh-CN', 'en'];

let passed = 0;
let failed = 0;
let skipped = 0;
const problems = [];
let currentPage = null;

async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`  ok   ${name}`);
  } catch (e) {
    failed++;
    await currentPage?.screenshot({ path: `${OUT}FAILED-${name.replace(/[^\w-]+/g, '_').slice(0, 80)}.png` }).catch(() => undefined);
    problems.push(`${name}: ${String(e.message).split('\n')[0]}`);
    console.log(`  FAIL ${name}\n       ${String(e.message).split('\n').slice(0, 3).join('\n       ')}`);
  }
}

function skip(name, why) {
  skipped++;
  console.log(`  skip ${name} (${why})`);
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A context that records requests beyond HQ's origin (and aborts them), page errors and CSP
 * violations. */
async function newContext(browser, vp, lang = 'zh-CN') {
  const ctx = await browser.newContext({
    viewport: { width: vp.width, height: vp.height },
    locale: lang,
    timezoneId: 'Europe/London', // not the city's: the page must use the city's zone itself
    colorScheme: 'dark',
    deviceScaleFactor: 1,
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  const log = { offsite: [], errors: [], csp: [] };
  const origin = new URL(HQ).origin;
  await ctx.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.protocol === 'data:' || u.protocol === 'blob:' || u.origin === origin) return route.continue();
    log.offsite.push(u.href);
    return route.abort();
  });
  await ctx.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window.__csp ??= []).push(`${e.violatedDirective} ${e.blockedURI}`);
    });
    window.__loaded = (window.__loaded ?? 0) + 1;
  });
  ctx.on('page', (page) => {
    page.on('pageerror', (e) => log.errors.push(`${String(e)} at ${new URL(page.url()).hash} ${String(e.stack ?? '').split('\n').slice(1, 3).join(' ')}`));
    page.on('console', (m) => {
      const text = m.text();
      if (/Content Security Policy/i.test(text)) log.csp.push(text);
      else if (m.type() === 'error' && !/Failed to load resource/.test(text)) log.errors.push(text);
    });
  });
  return { ctx, log };
}

async function signIn(page, token) {
  await page.goto(`${HQ}/`);
  await page.waitForSelector('[data-screen=signin]', { timeout: 10000 });
  await page.fill('#token', token);
  await page.locator('form.signin button[type=submit]').click();
  await page.waitForSelector('.shell', { timeout: 10000 });
}

async function setLang(page, lang) {
  const now = await page.evaluate(() => document.documentElement.lang);
  if (now !== lang) await page.locator('.top [data-action=lang]').click();
  await page.waitForFunction((l) => document.documentElement.lang === l, lang);
}

async function openView(page, view) {
  await page.evaluate((v) => (location.hash = `#/${v}`), view);
  await page.waitForSelector(`[data-view-root=${view === 'coverage' ? 'coverage' : view}]`, { timeout: 8000 });
  // Let the view's requests land (loading lines gone), then a beat for the map to draw.
  await page.waitForFunction(() => ![...document.querySelectorAll('.note.muted')].some((n) => /加载中|Loading/.test(n.textContent ?? '')), null, { timeout: 10000 });
  await page.waitForTimeout(500);
}

/** Visible text problems: missing keys anywhere; in zh-CN, Latin words that are not ids,
 * plates, units or numbers (elements marked .raw / .user / [lang] are identifiers, officers'
 * own text or the language switch). */
async function textProblems(page, lang) {
  return page.evaluate((lang) => {
    const out = [];
    const body = document.body.innerText;
    const missing = body.match(/⟦[^⟧]*⟧/g);
    if (missing) out.push(`missing keys: ${[...new Set(missing)].join(', ')}`);
    if (lang !== 'zh-CN') return out;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const units = new Set(['km', 'h', 'min', 's', 'm']);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || el.closest('.raw, .user, [lang], script, style, .leaflet-control-zoom')) continue;
      if (el.closest('select') && !el.closest('option:checked')) continue;
      const style = getComputedStyle(el);
      if (style.display === 'none' || style.visibility === 'hidden') continue;
      const words = (n.textContent ?? '')
        .split(/[\s·,，、:：()（）\[\]/–—-]+/)
        .filter((w) => /[A-Za-z]{2,}/.test(w))
        .filter((w) => !/\d/.test(w) && !units.has(w));
      if (words.length) out.push(`Latin text "${words.join(' ')}" in <${el.tagName.toLowerCase()} class="${el.className}">`);
    }
    return [...new Set(out)].slice(0, 8);
  }, lang);
}

async function layout(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

function at(obj, path) {
  return path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);
}

/** HQ's JSON through the page's own session (the cookie), as the page's client sends it. */
async function hqJson(page, method, path, body) {
  const res = await page.request.fetch(`${HQ}${path}`, {
    method,
    headers: { 'x-requested-with': 'hq-web', ...(body ? { 'content-type': 'application/json' } : {}) },
    data: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok()) throw new Error(`${method} ${path}: ${res.status()} ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : undefined;
}

/** The 1-3-5 figures block shown equals HQ's per-tier figures, field by field. */
async function figuresMatch(page, root, figures) {
  const shown = await page.$$eval(`${root} [data-figures=dispatch] tr[data-tier]`, (rows) =>
    rows.map((r) => [Number(r.getAttribute('data-tier')), [...r.querySelectorAll('[data-field]')].map((c) => [c.getAttribute('data-field'), c.getAttribute('data-value')])]),
  );
  const wrong = [];
  if (shown.map(([t]) => t).join(',') !== '1,3,5') wrong.push(`tiers shown: ${shown.map(([t]) => t).join(',')}`);
  for (const [tier, cells] of shown) {
    const f = figures.find((x) => x.tier === tier);
    if (!f) { wrong.push(`tier ${tier} not in HQ's figures`); continue; }
    if (cells.length < 7) wrong.push(`tier ${tier}: only ${cells.length} figures`);
    for (const [k, v] of cells) if (String(f[k] ?? '') !== v) wrong.push(`tier ${tier} ${k}: page ${v}, API ${f[k]}`);
  }
  return wrong;
}

/** The device id of the CLI device HQ_DEVICE_CLI drives, once it is enrolled. */
function cliDevice() {
  if (!process.env.HQ_DEVICE_CLI) return null;
  try {
    return JSON.parse(execSync(`${process.env.HQ_DEVICE_CLI} status --json`, { shell: '/bin/sh', stdio: ['ignore', 'pipe', 'ignore'] }).toString()).device_id ?? null;
  } catch {
    return null;
  }
}
const cli = (args) => execSync(`${process.env.HQ_DEVICE_CLI} ${args}`, { stdio: 'ignore', shell: '/bin/sh' });

async function main() {
  if (!HQ || !TOKEN) {
    console.log('hq-web: HQ_URL and HQ_TOKEN are required (a running HQ serving this page, an operator token)');
    console.log('hq-web: 0 passed, 1 failed');
    process.exit(1);
  }
  await mkdir(OUT, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  const logs = [];
  try {
    const { ctx, log } = await newContext(browser, VIEWPORTS[0]);
    logs.push(log);
    const page = await ctx.newPage();
    currentPage = page;

    await check('sign-in screen first; a wrong token is refused', async () => {
      await page.goto(`${HQ}/`);
      await page.waitForSelector('[data-screen=signin]', { timeout: 10000 });
      const type = await page.getAttribute('#token', 'type');
      assert(type === 'password', `token field is type=${type}`);
      assert((await page.getAttribute('#token', 'autocomplete')) === 'off', 'token field autocomplete is not off');
      await page.screenshot({ path: `${OUT}${VIEWPORTS[0].name}-zh-CN-signin.png` });
      await page.fill('#token', 'op_not-a-token');
      await page.locator('form.signin button[type=submit]').click();
      await page.waitForSelector('form.signin [role=alert]', { timeout: 5000 });
      assert((await page.locator('.shell').count()) === 0, 'signed in with a wrong token');
    });

    await check('sign in with the operator token; it is kept nowhere in the page', async () => {
      await signIn(page, TOKEN);
      const leaks = await page.evaluate((tok) => {
        const found = [];
        for (const s of [localStorage, sessionStorage]) for (let i = 0; i < s.length; i++) if ((s.getItem(s.key(i)) ?? '').includes(tok)) found.push('storage');
        if (location.href.includes(tok)) found.push('url');
        if (document.cookie.includes('session')) found.push('cookie readable by script');
        return found;
      }, TOKEN);
      assert(leaks.length === 0, `token/session exposed: ${leaks.join(', ')}`);
      const cookies = await ctx.cookies();
      assert(cookies.some((c) => c.httpOnly), 'no HttpOnly session cookie');
      assert(cookies.every((c) => !c.value.includes(TOKEN)), 'the token itself is a cookie');
    });

    for (const lang of LANGS) {
      for (const vp of VIEWPORTS) {
        await page.setViewportSize({ width: vp.width, height: vp.height });
        await setLang(page, lang);
        for (const view of VIEWS) {
          await check(`${vp.name} ${lang} ${view}: renders, every string translated, fits`, async () => {
            await openView(page, view);
            const problems = await textProblems(page, lang);
            assert(problems.length === 0, problems.join('; '));
            const over = await layout(page);
            assert(over <= 0, `page is ${over}px wider than the viewport`);
            await page.screenshot({ path: `${OUT}${vp.name}-${lang}-${view}.png` });
          });
        }
      }
    }
    await page.setViewportSize({ width: 1920, height: 1080 });

    for (const lang of LANGS) {
      await check(`${lang} today: every figure equals /api/v1/stats/daily`, async () => {
        await setLang(page, lang);
        await openView(page, 'today');
        await page.waitForSelector('.figures[data-date]');
        const date = await page.getAttribute('.figures', 'data-date');
        const res = await page.request.get(`${HQ}/api/v1/stats/daily?date=${date}`);
        assert(res.ok(), `stats/daily answered ${res.status()}`);
        const api = await res.json();
        const shown = await page.$$eval('.figures [data-key]', (els) => els.map((e) => [e.getAttribute('data-key'), e.textContent]));
        assert(shown.length > 20, `only ${shown.length} figures on the page`);
        const wrong = shown.filter(([k, v]) => String(at(api, k) ?? 0) !== v).map(([k, v]) => `${k}: page ${v}, API ${at(api, k)}`);
        assert(wrong.length === 0, wrong.join('; '));
        const keys = new Set(shown.map(([k]) => k));
        const missing = Object.keys(api).filter((k) => typeof api[k] === 'number' && !keys.has(k));
        assert(missing.length === 0, `API figures not on the page: ${missing.join(', ')}`);
        for (const [k, v] of Object.entries(api.volunteers_by_category)) assert(String(v) === shown.find(([s]) => s === `volunteers_by_category.${k}`)?.[1], `volunteers ${k} not shown as ${v}`);
        for (const [k, v] of Object.entries(api.violations_by_type)) assert(String(v) === shown.find(([s]) => s === `violations_by_type.${k}`)?.[1], `violations ${k} not shown as ${v}`);
      });

      await check(`${lang} today: the bulletin shown is /api/v1/bulletin's text`, async () => {
        const date = await page.getAttribute('.figures', 'data-date');
        await page.waitForSelector(`[data-bulletin="${lang}"]`, { timeout: 8000 });
        const res = await page.request.get(`${HQ}/api/v1/bulletin?date=${date}&lang=${lang}`);
        assert(res.ok(), `bulletin answered ${res.status()}`);
        const api = await res.json();
        const shown = await page.textContent(`[data-bulletin="${lang}"]`);
        assert(shown === api.text, `page: ${shown?.slice(0, 80)}… API: ${api.text.slice(0, 80)}…`);
        await page.locator('[data-action=copy]').click();
        const clip = await page.evaluate(() => navigator.clipboard.readText()).catch(() => null);
        assert(clip === null || clip === api.text, 'copied text differs from the bulletin');
        const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 5000 }), page.locator('[data-action=download]').click()]);
        assert(dl.suggestedFilename().endsWith('.txt'), `download named ${dl.suggestedFilename()}`);
      });
    }
    await setLang(page, 'zh-CN');

    await check('replay: a patrol plays and its totals show', async () => {
      await openView(page, 'replay');
      await page.waitForFunction(() => document.querySelectorAll('select[data-field=patrol] option').length > 1, null, { timeout: 10000 }).catch(() => undefined);
      let options = await page.$$eval('select[data-field=patrol] option', (os) => os.map((o) => o.value).filter(Boolean));
      // Between midnight and 09:00 in the city the simulator fills the day before (its default)
      // while the page opens on today: replay the simulated day (HQ_SIM_DATE) then.
      if (options.length === 0 && SIM_DATE && (await page.inputValue('input[data-field=date]')) !== SIM_DATE) {
        await page.fill('input[data-field=date]', SIM_DATE);
        await page.locator('input[data-field=date]').dispatchEvent('change');
        await page.waitForFunction(() => document.querySelectorAll('select[data-field=patrol] option').length > 1, null, { timeout: 10000 }).catch(() => undefined);
        options = await page.$$eval('select[data-field=patrol] option', (os) => os.map((o) => o.value).filter(Boolean));
      }
      assert(options.length > 0, 'no patrol for the day');
      await page.selectOption('select[data-field=patrol]', options[0]);
      await page.waitForSelector('[data-track] [data-key=distance_km]', { timeout: 8000 });
      if (await page.locator('[data-action=play]').count()) {
        const t0 = await page.getAttribute('[data-time]', 'data-time');
        await page.locator('[data-action=play]').click();
        await page.waitForFunction((t) => document.querySelector('[data-time]')?.getAttribute('data-time') !== t, t0, { timeout: 5000 });
        await page.locator('[data-action=play]').click();
      }
      await page.screenshot({ path: `${OUT}1920x1080-zh-CN-replay-playing.png` });
    });

    await check('reports: a report opens with its history; downloads are same-origin links', async () => {
      await openView(page, 'reports');
      const rows = await page.locator('[data-table=reports] tbody tr').count();
      if (rows > 0) {
        await page.locator('[data-table=reports] tbody tr').first().click();
        await page.waitForSelector('[data-detail]', { timeout: 5000 });
      }
      const hrefs = await page.$$eval('.downloads a', (as) => as.map((a) => a.href));
      assert(hrefs.length === 3 && hrefs.every((h) => h.startsWith(`${new URL(HQ).origin}/api/v1/export/`)), `downloads: ${hrefs.join(', ')}`);
      for (const h of hrefs) {
        const res = await page.request.get(h);
        assert(res.ok(), `${h} answered ${res.status()}`);
      }
    });

    await check('devices: an admin creates an enrolment code (code and QR when HQ sends one)', async () => {
      await openView(page, 'devices');
      const role = await page.getAttribute('.operator', 'data-role');
      if (role !== 'admin') {
        assert((await page.locator('[data-action=revoke]').count()) === 0, 'a viewer sees revoke buttons');
        return;
      }
      await page.fill('#device-name', '页面测试 1号机');
      await page.locator('form.enrol button[type=submit]').click();
      await page.waitForSelector('[data-code] .code', { timeout: 5000 });
      const code = (await page.textContent('[data-code] .code'))?.trim();
      assert(/^[A-Z0-9]{4}(-[A-Z0-9]{4})+$/.test(code ?? ''), `code looks like ${code}`);
      await page.screenshot({ path: `${OUT}1920x1080-zh-CN-devices-code.png` });
    });

    await check('reports: the newest first, a page at a time; "earlier" adds the next page', async () => {
      // The demo day holds fewer reports than a page (200): the page's requests are narrowed
      // to a quarter of the limit it asks for, so the real HQ answers 50, then 100, of them.
      const narrowed = [];
      await page.route('**/api/v1/reports/page?*', (route) => {
        const url = new URL(route.request().url());
        const asked = Number(url.searchParams.get('limit') ?? 200);
        url.searchParams.set('limit', String(Math.max(1, Math.floor(asked / 4))));
        narrowed.push(asked);
        return route.continue({ url: url.toString() });
      });
      try {
        await openView(page, 'live');
        await openView(page, 'reports');
        // The simulated day (before 09:00 the simulator fills the day before the page's today).
        let day = await page.inputValue('input[data-field=date]');
        if (SIM_DATE && SIM_DATE !== day) {
          await page.fill('input[data-field=date]', SIM_DATE);
          await page.locator('input[data-field=date]').dispatchEvent('change');
          day = SIM_DATE;
        }
        const all = await hqJson(page, 'GET', `/api/v1/reports/page?date=${day}&limit=2000`);
        assert(all.total > 100, `the simulated day ${day} holds ${all.total} reports, too few to page`);
        const rows = '[data-table=reports] tbody tr';
        await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 50, rows, { timeout: 8000 });
        const count = page.locator('[data-count]');
        assert(Number(await count.getAttribute('data-count')) === all.total, `the page says ${await count.getAttribute('data-count')} of ${all.total}`);
        assert(((await count.textContent()) ?? '').includes(String(all.total)), 'the total is not shown');
        const first = await page.locator(rows).first().getAttribute('data-entry');
        assert(first === all.items[0].entry_id, `the first row is ${first}, the newest report ${all.items[0].entry_id}`);
        await page.locator('[data-action=more]').click();
        await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 100, rows, { timeout: 8000 });
        const shown = await page.$$eval(rows, (trs) => trs.map((tr) => tr.getAttribute('data-entry')));
        const expected = all.items.slice(0, 100).map((r) => r.entry_id);
        assert(JSON.stringify(shown) === JSON.stringify(expected), 'the rows are not the newest 100 in order');
        assert(narrowed.includes(200) && narrowed.includes(400), `the page asked for ${narrowed.join(', ')}`);
      } finally {
        await page.unroute('**/api/v1/reports/page?*');
      }
    });

    if (process.env.HQ_UPLOAD_CMD) {
      await check('live map: a new upload appears without a reload (≤ 5 s)', async () => {
        await openView(page, 'live');
        await page.evaluate(() => (window.__marker = 'same page'));
        const before = await page.getAttribute('.unit-count', 'data-signature');
        const t0 = Date.now();
        execSync(process.env.HQ_UPLOAD_CMD, { stdio: 'ignore', shell: '/bin/sh' });
        await page.waitForFunction((b) => document.querySelector('.unit-count')?.getAttribute('data-signature') !== b, before, {
          timeout: Math.max(500, 5000 - (Date.now() - t0)),
        });
        assert((await page.evaluate(() => window.__marker)) === 'same page', 'the page was reloaded');
        console.log(`       (shown ${Date.now() - t0} ms after the upload command started)`);
      });
    } else skip('live map: a new upload appears without a reload', 'HQ_UPLOAD_CMD not set');

    await dispatchScenario(page);

    await check('sign-out ends the session', async () => {
      await page.locator('.top [data-action=signout]').click();
      await page.waitForSelector('[data-screen=signin]', { timeout: 5000 });
      const res = await page.request.get(`${HQ}/api/v1/session`);
      assert(res.status() === 401, `GET /api/v1/session after sign-out: ${res.status()}`);
    });

    if (process.env.HQ_REVOKE_CMD) {
      await check('a revoked session is refused at once (and a viewer sees no admin action)', async () => {
        // The operator HQ_REVOKE_CMD revokes: HQ_REVOKE_TOKEN's, else HQ_TOKEN's (then last).
        const tok = process.env.HQ_REVOKE_TOKEN ?? TOKEN;
        const { ctx: c3, log: l3 } = await newContext(browser, VIEWPORTS[1]);
        logs.push(l3);
        const p3 = await c3.newPage();
        currentPage = p3;
        await signIn(p3, tok);
        if ((await p3.getAttribute('.operator', 'data-role')) === 'viewer') {
          await openView(p3, 'devices');
          assert((await p3.locator('[data-action=revoke]').count()) === 0, 'a viewer sees revoke buttons');
          assert(await p3.locator('form.enrol button[type=submit]').isDisabled(), 'a viewer may create enrolment codes');
        }
        await openView(p3, 'live');
        execSync(process.env.HQ_REVOKE_CMD, { stdio: 'ignore', shell: '/bin/sh' });
        const res = await p3.request.get(`${HQ}/api/v1/units`);
        assert(res.status() === 401, `API after revocation: ${res.status()}`);
        // The page's next call (opening another view) lands on sign-in, saying why; no reload.
        await p3.evaluate(() => (location.hash = '#/today'));
        await p3.waitForSelector('[data-screen=signin] [data-notice]', { timeout: 5000 });
        await p3.reload();
        await p3.waitForSelector('[data-screen=signin]', { timeout: 5000 });
        await p3.fill('#token', tok);
        await p3.locator('form.signin button[type=submit]').click();
        await p3.waitForSelector('form.signin [role=alert]', { timeout: 5000 });
        await p3.screenshot({ path: `${OUT}1366x768-zh-CN-signin-revoked.png` });
        await c3.close();
        currentPage = page;
      });
    } else skip('a revoked session is refused', 'HQ_REVOKE_CMD not set');

    await check('an expired session lands on sign-in', async () => {
      // A session asked for with the shortest life HQ grants (ttl_s 5, as a shared screen may),
      // through the same sign-in endpoint the form uses; the cookie lands in this context.
      const { ctx: c2, log: l2 } = await newContext(browser, VIEWPORTS[1]);
      logs.push(l2);
      const p2 = await c2.newPage();
      currentPage = p2;
      await p2.goto(`${HQ}/`);
      const r = await p2.request.post(`${HQ}/api/v1/session`, { data: { token: TOKEN, ttl_s: 5 } });
      assert(r.status() === 200, `short sign-in: ${r.status()}`);
      const { expires_ms } = await r.json();
      await p2.reload();
      await p2.waitForSelector('.shell', { timeout: 10000 });
      await sleep(Math.max(0, expires_ms - Date.now() + 1000));
      const res = await p2.request.get(`${HQ}/api/v1/units`);
      assert(res.status() === 401, `API after expiry: ${res.status()}`);
      await p2.reload();
      await p2.waitForSelector('[data-screen=signin]', { timeout: 5000 });
      await c2.close();
      currentPage = page;
    });

    await check('nothing requested beyond HQ, no CSP violation, no page error', async () => {
      const offsite = logs.flatMap((l) => l.offsite);
      const errors = logs.flatMap((l) => l.errors);
      const csp = [...logs.flatMap((l) => l.csp), ...((await page.evaluate(() => window.__csp ?? []).catch(() => [])) ?? [])];
      assert(offsite.length === 0, `requests beyond HQ: ${offsite.slice(0, 5).join(', ')}`);
      assert(csp.length === 0, `CSP violations: ${csp.slice(0, 5).join(' | ')}`);
      assert(errors.length === 0, `page errors: ${errors.slice(0, 5).join(' | ')}`);
    });
    await ctx.close();
  } finally {
    await browser.close();
  }
  console.log(`screenshots: ${OUT}`);
  if (problems.length) console.log(`problems:\n  ${problems.join('\n  ')}`);
  if (skipped) console.log(`(${skipped} skipped: their env var is not set)`);
  console.log(`hq-web: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

/** 派警: the whole loop an operator goes through, against HQ, in zh-CN (then read in English). */
async function dispatchScenario(page) {
  await setLang(page, 'zh-CN');
  const device = cliDevice();
  // Where the late device stands (HQ_UPLOAD_CMD), so it ranks first: fresh, a car, on the spot.
  const POINT = { lat: 29.0312, lon: 111.6952 };
  const form = '[data-form=new-dispatch]';
  const card = (id) => `[data-view-root=dispatch] [data-dispatch="${id}"]`;
  const setField = async (sel, value) => {
    await page.fill(sel, value);
    await page.locator(sel).dispatchEvent('change');
  };
  const ctx = { first: null, second: null, id: null, other: null, date: null };

  await check('dispatch: a click on the map opens the form; the units are listed exactly as HQ ranks them', async () => {
    await openView(page, 'dispatch');
    // Today's board, whichever day an earlier view was left on.
    await page.locator('[data-view-root=dispatch] .datefield button').click();
    await page.waitForFunction(() => {
      const b = document.querySelector('[data-board]')?.getAttribute('data-board');
      return b && b === document.querySelector('[data-view-root=dispatch] input[data-field=date]')?.value;
    }, null, { timeout: 5000 });
    ctx.date = await page.getAttribute('[data-board]', 'data-board');
    const box = await page.locator('[data-view-root=dispatch] .map').boundingBox();
    await page.mouse.click(box.x + box.width * 0.42, box.y + box.height * 0.4);
    await page.waitForSelector(`${form}:not([data-lat=""])`, { timeout: 5000 });
    const clicked = Number(await page.getAttribute(form, 'data-lat'));
    assert(clicked > 28.9 && clicked < 29.2, `the click put the call at latitude ${clicked}`);
    if (device) {
      await setField(`${form} input[data-field=lat]`, String(POINT.lat));
      await setField(`${form} input[data-field=lon]`, String(POINT.lon));
      await page.waitForSelector(`${form}[data-lat="${POINT.lat}"][data-lon="${POINT.lon}"]`, { timeout: 5000 });
    }
    await page.waitForSelector(`${form} .recs li[data-rec]`, { timeout: 8000 });
    const [lat, lon] = [await page.getAttribute(form, 'data-lat'), await page.getAttribute(form, 'data-lon')];
    let api = [];
    let shown = [];
    for (let i = 0; i < 3; i++) {
      shown = await page.$$eval(`${form} .recs li[data-rec]`, (els) => els.map((e) => [e.getAttribute('data-rec'), e.querySelector('[data-eta]')?.getAttribute('data-eta')]));
      api = await hqJson(page, 'GET', `/api/v1/dispatches/recommend?lat=${lat}&lon=${lon}`);
      if (shown.map(([d]) => d).join() === api.map((r) => r.device_id).join()) break;
      await sleep(1000);
    }
    assert(api.length > 0, 'HQ ranks no unit');
    assert(shown.map(([d]) => d).join() === api.map((r) => r.device_id).join(), `page order ${shown.slice(0, 4).map(([d]) => d.slice(0, 8))} ≠ HQ's ${api.slice(0, 4).map((r) => r.device_id.slice(0, 8))}`);
    assert(shown.every(([, eta], i) => Number(eta) === api[i].eta_s), 'an estimated arrival differs from HQ');
    const etaText = await page.textContent(`${form} .recs li[data-rank="1"] .eta`);
    assert(etaText?.includes((api[0].eta_s / 60).toFixed(1)), `first ETA reads "${etaText}" for ${api[0].eta_s} s`);
    if (device) assert(api[0].device_id === device, `the device standing on the spot ranks ${api.findIndex((r) => r.device_id === device) + 1}, not first`);
    ctx.first = api[0].device_id;
    ctx.second = api.find((r) => r.device_id !== ctx.first)?.device_id ?? null;
    ctx.recs = api;
    await page.screenshot({ path: `${OUT}1920x1080-zh-CN-dispatch-form.png` });
  });

  await check("dispatch: HQ's refusal reads in the operator's language, and nothing is created", async () => {
    assert(ctx.first, 'no form from the previous check');
    const before = (await hqJson(page, 'GET', `/api/v1/dispatches?date=${ctx.date}`)).dispatches.length;
    await page.fill(`${form} input[data-field=address]`, '长'.repeat(201));
    await page.locator(`${form} [data-action=create]`).click();
    await page.waitForSelector(`${form} [role=alert]`, { timeout: 5000 });
    const text = (await page.textContent(`${form} [role=alert]`)) ?? '';
    assert(text.includes('地址') && text.includes('200') && !/[A-Za-z]{2,}/.test(text), `refusal reads "${text}"`);
    const after = (await hqJson(page, 'GET', `/api/v1/dispatches?date=${ctx.date}`)).dispatches.length;
    assert(after === before, `HQ holds ${after - before} more dispatch(es)`);
  });

  await check('dispatch: created at the point and sent to the first unit, it is on the board as sent', async () => {
    assert(ctx.first, 'no ranking from the first check');
    await page.selectOption(`${form} select[data-field=kind]`, 'fight');
    await page.locator(`${form} input[data-field=tier-1]`).check();
    await page.fill(`${form} input[data-field=address]`, '人民路 88 号');
    await page.fill(`${form} input[data-field=note]`, '两名男子在店门口争执');
    await page.locator(`${form} input[data-pick="${ctx.first}"]`).check();
    const label = (await page.textContent(`${form} [data-action=create]`)) ?? '';
    assert(label.includes('1'), `the button says "${label}"`);
    await page.locator(`${form} [data-action=create]`).click();
    await page.waitForSelector(form, { state: 'detached', timeout: 5000 });
    await page.waitForSelector('[data-view-root=dispatch] .dcard.sel', { timeout: 5000 });
    ctx.id = await page.getAttribute('[data-view-root=dispatch] .dcard.sel', 'data-dispatch');
    const d = await hqJson(page, 'GET', `/api/v1/dispatches/${ctx.id}`);
    assert(d.kind === 'fight' && d.tier === 1 && d.address === '人民路 88 号' && d.note === '两名男子在店门口争执', `HQ holds ${JSON.stringify({ kind: d.kind, tier: d.tier, address: d.address })}`);
    assert(d.units.length === 1 && d.units[0].device_id === ctx.first, `sent to ${d.units.map((u) => u.device_id)}`);
    const c = page.locator(card(ctx.id));
    await page.waitForSelector(`${card(ctx.id)}[data-state="${d.state}"]`, { timeout: 5000 });
    assert(['sent', 'delivered'].includes(d.state), `state ${d.state}`);
    const text = (await c.textContent()) ?? '';
    for (const want of ['打架斗殴', '1 分钟', '人民路 88 号']) assert(text.includes(want), `the card lacks "${want}": ${text.slice(0, 160)}`);
    const chip = (await c.locator(`.dhead .state-chip[data-state="${d.state}"]`).textContent())?.trim() ?? '';
    assert(chip.length > 0 && !/[A-Za-z]/.test(chip), `the state chip reads "${chip}"`);
    assert((await c.locator(`[data-unit="${ctx.first}"][data-unit-state=sent]`).count()) === 1, 'the unit is not on the card as sent');
    assert((await c.locator('[data-time=sent]').getAttribute('data-ms')) === String(d.sent_ms), 'the send time differs from HQ');
    const clock = Number(await c.locator('.dclock').getAttribute('data-elapsed'));
    assert(clock >= 0 && clock < 120_000, `the clock since the call shows ${clock} ms`);
    await page.screenshot({ path: `${OUT}1920x1080-zh-CN-dispatch-sent.png` });
  });

  await check("dispatch: the view's 1-3-5 figures equal HQ's board", async () => {
    const board = await hqJson(page, 'GET', `/api/v1/dispatches?date=${ctx.date}`);
    assert(board.figures.find((f) => f.tier === 1)?.dispatches >= 1, 'HQ counts no tier-1 dispatch');
    await page.waitForFunction((n) => document.querySelector('[data-view-root=dispatch] [data-figures=dispatch] tr[data-tier="1"] [data-field=dispatches]')?.getAttribute('data-value') === String(n), board.figures[0].dispatches, { timeout: 5000 });
    const wrong = await figuresMatch(page, '[data-view-root=dispatch]', board.figures);
    assert(wrong.length === 0, wrong.join('; '));
  });

  if (device && ctx.id && ctx.first === device) {
    await check("dispatch: the unit's device takes the order, accepts and arrives; the board follows without a reload", async () => {
      await page.evaluate(() => (window.__marker = 'dispatch page'));
      cli('sync');
      await page.waitForSelector(`${card(ctx.id)}[data-state=delivered]`, { timeout: 5000 });
      assert((await page.locator(`${card(ctx.id)} [data-unit="${device}"] [data-delivered]`).getAttribute('data-delivered')) !== '', 'no delivery time');
      cli(`dispatch accept ${ctx.id} --lat ${POINT.lat} --lon ${POINT.lon}`);
      cli(`dispatch arrive ${ctx.id} --lat ${POINT.lat} --lon ${POINT.lon}`);
      cli('sync');
      await page.waitForSelector(`${card(ctx.id)}[data-state=on-scene]`, { timeout: 5000 });
      const c = page.locator(card(ctx.id));
      assert((await c.locator('[data-met="1"]').count()) === 1, 'not shown as on scene within 1 minute');
      assert((await c.locator('[data-time=on_scene]').getAttribute('data-ms')) !== '', 'no on-scene time');
      assert((await page.evaluate(() => window.__marker)) === 'dispatch page', 'the page was reloaded');
      const board = await hqJson(page, 'GET', `/api/v1/dispatches?date=${ctx.date}`);
      await page.waitForFunction((n) => document.querySelector('[data-view-root=dispatch] [data-figures=dispatch] tr[data-tier="1"] [data-field=on_scene]')?.getAttribute('data-value') === String(n), board.figures[0].on_scene, { timeout: 5000 });
      const wrong = await figuresMatch(page, '[data-view-root=dispatch]', board.figures);
      assert(wrong.length === 0, wrong.join('; '));
      await page.screenshot({ path: `${OUT}1920x1080-zh-CN-dispatch-on-scene.png` });
    });
  } else skip("dispatch: the unit's device takes the order", device ? 'the device did not rank first' : 'HQ_DEVICE_CLI not set, or its device not enrolled');

  await check('dispatch: more units sent, one reassigned with a reason (withdrawn, the other sent)', async () => {
    assert(ctx.second, 'HQ ranks a single unit');
    const d0 = await hqJson(page, 'POST', '/api/v1/dispatches', { kind: 'theft', tier: 3, target: { lat: 29.035, lon: 111.69 }, address: '朝阳路 6 号', units: [ctx.second] });
    ctx.other = d0.id;
    await page.waitForSelector(card(ctx.other), { timeout: 5000 });
    const c = page.locator(card(ctx.other));
    await c.locator('[data-action=send-more]').click();
    await page.waitForSelector(`${card(ctx.other)} [data-panel=send] .recs li[data-rec]`, { timeout: 8000 });
    assert(await c.locator(`[data-panel=send] input[data-pick="${ctx.second}"]`).isDisabled(), 'the unit already on it can be picked again');
    const free = await c.locator('[data-panel=send] input[data-pick]:not([disabled])').evaluateAll((els) => els.map((e) => e.getAttribute('data-pick')));
    const more = free.find((id) => id !== device);
    assert(more, 'no other unit to send');
    await c.locator(`[data-panel=send] input[data-pick="${more}"]`).check();
    await c.locator('[data-action=confirm-send]').click();
    await page.waitForSelector(`${card(ctx.other)} [data-unit="${more}"][data-unit-state=sent]`, { timeout: 5000 });
    // Reassign: take it from the first unit, give it to a third, with a reason.
    await c.locator('[data-action=reassign]').click();
    await page.waitForSelector(`${card(ctx.other)} [data-panel=reassign] .recs li[data-rec]`, { timeout: 8000 });
    await c.locator('[data-panel=reassign] select[data-field=from]').selectOption(ctx.second);
    const to = (await c.locator('[data-panel=reassign] input[data-pick]:not([disabled])').evaluateAll((els) => els.map((e) => e.getAttribute('data-pick')))).find((id) => id !== device && id !== more && id !== ctx.second);
    assert(to, 'no third unit to reassign to');
    await c.locator(`[data-panel=reassign] input[data-pick="${to}"]`).check();
    await c.locator('[data-panel=reassign] [data-action=confirm-reassign]').click();
    await page.waitForSelector(`${card(ctx.other)} [data-panel=reassign] [role=alert]`, { timeout: 5000 });
    const need = (await c.locator('[data-panel=reassign] [role=alert]').textContent()) ?? '';
    assert(need.includes('原因'), `an empty reason is answered "${need}"`);
    await c.locator('[data-panel=reassign] input[data-field=reason]').fill('该组正在处置其他警情');
    await c.locator('[data-panel=reassign] [data-action=confirm-reassign]').click();
    await page.waitForSelector(`${card(ctx.other)} [data-unit="${ctx.second}"][data-unit-state=reassigned]`, { timeout: 5000 });
    await page.waitForSelector(`${card(ctx.other)} [data-unit="${to}"][data-unit-state=sent]`, { timeout: 5000 });
    const text = (await c.locator(`[data-unit="${ctx.second}"]`).textContent()) ?? '';
    assert(text.includes('已撤回') && text.includes('该组正在处置其他警情'), `the withdrawn unit reads "${text}"`);
    const d = await hqJson(page, 'GET', `/api/v1/dispatches/${ctx.other}`);
    const byId = Object.fromEntries(d.units.map((u) => [u.device_id, u]));
    assert(byId[ctx.second]?.withdrawn_reason === '该组正在处置其他警情' && byId[more]?.state === 'sent' && byId[to]?.state === 'sent', `HQ holds ${JSON.stringify(d.units.map((u) => [u.device_id.slice(0, 8), u.state]))}`);
  });

  await check('dispatch: units that never take the order are flagged overdue on the board, and resent', async () => {
    assert(ctx.other, 'no second dispatch');
    // HQ waits 30 s for delivery, then flags the unit and sends again (its watchdog runs every 5 s).
    await page.waitForSelector(`${card(ctx.other)}[data-overdue="1"] .overdue-flag`, { timeout: 75_000 });
    const flag = (await page.textContent(`${card(ctx.other)} .overdue-flag`)) ?? '';
    assert(flag.includes('超时') && flag.includes('未送达终端'), `the flag reads "${flag}"`);
    const d = await hqJson(page, 'GET', `/api/v1/dispatches/${ctx.other}`);
    assert(d.overdue === true, 'HQ does not flag it');
    await page.waitForFunction((sel) => [...document.querySelectorAll(`${sel} [data-resends]`)].some((e) => Number(e.getAttribute('data-resends')) > 0), card(ctx.other), { timeout: 20_000 });
    assert(Number(await page.getAttribute('.board-count', 'data-overdue')) >= 1, 'the count does not say how many are overdue');
    const first = await page.$eval('[data-view-root=dispatch] .board > li', (e) => e.getAttribute('data-overdue'));
    assert(first === '1', 'an overdue dispatch is not at the top of the board');
    await page.screenshot({ path: `${OUT}1920x1080-zh-CN-dispatch-overdue.png` });
  });

  await check("dispatch: closing needs a reason; HQ's length rule reads in the operator's language; closed on the board", async () => {
    assert(ctx.other, 'no second dispatch');
    const c = page.locator(card(ctx.other));
    await c.locator('[data-action=close]').click();
    await c.locator('[data-panel=close] input[data-field=reason]').fill('因'.repeat(201));
    await c.locator('[data-panel=close] [data-action=confirm-close]').click();
    await page.waitForSelector(`${card(ctx.other)} [data-panel=close] [role=alert]`, { timeout: 5000 });
    const text = (await c.locator('[data-panel=close] [role=alert]').textContent()) ?? '';
    assert(text.includes('原因') && text.includes('200') && !/[A-Za-z]{2,}/.test(text), `HQ's refusal reads "${text}"`);
    await c.locator('[data-panel=close] button', { hasText: '误报' }).click();
    await c.locator('[data-panel=close] [data-action=confirm-close]').click();
    await page.waitForSelector(`${card(ctx.other)}[data-closed="1"]`, { timeout: 5000 });
    assert((await c.locator('[data-action]').count()) === 0, 'a closed dispatch still offers actions');
    assert(((await c.locator('.closed-line').textContent()) ?? '').includes('误报'), 'the reason is not shown');
    const d = await hqJson(page, 'GET', `/api/v1/dispatches/${ctx.other}`);
    assert(d.closed_reason === '误报' && d.closed_ms != null && d.overdue === false, `HQ holds closed ${d.closed_ms} (${d.closed_reason}) overdue ${d.overdue}`);
  });

  await check("reports: 派警 on a report opens the form with it; HQ takes the report's time and place", async () => {
    await openView(page, 'reports');
    const kinds = ['incident', 'traffic_accident', 'lost_person', 'assistance', 'violation'];
    const pos = (r) => r.record?.body?.at ?? r.record?.body?.found_at ?? null;
    let report = null;
    let day = await page.inputValue('input[data-field=date]');
    for (const d of [day, new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10)]) {
      // The page shows the newest 200 first (a city's day holds tens of thousands).
      report = (await hqJson(page, 'GET', `/api/v1/reports/page?date=${d}&limit=200`)).items.find((r) => kinds.includes(r.kind) && pos(r));
      if (report) { day = d; break; }
    }
    assert(report, 'no report with a position today or yesterday');
    if ((await page.inputValue('input[data-field=date]')) !== day) {
      await setField('input[data-field=date]', day);
    }
    const row = `[data-table=reports] tr[data-entry="${report.entry_id}"]`;
    await page.waitForSelector(row, { timeout: 8000 });
    await page.locator(`${row} [data-action=dispatch-report]`).click();
    await page.waitForSelector(`[data-view-root=dispatch] ${form}[data-source="${report.device_id}:${report.seq}"]`, { timeout: 8000 });
    const p = pos(report);
    assert(Number(await page.getAttribute(form, 'data-lat')) === p.lat, "the form is not at the report's place");
    assert(((await page.textContent(`${form} [data-from-report]`)) ?? '').length > 4, 'the report is not named on the form');
    await page.waitForSelector(`${form} .recs li[data-rec]`, { timeout: 8000 });
    await page.locator(`${form} [data-action=create]`).click();
    await page.waitForSelector(form, { state: 'detached', timeout: 5000 });
    const id = await page.getAttribute('[data-view-root=dispatch] .dcard.sel', 'data-dispatch');
    const d = await hqJson(page, 'GET', `/api/v1/dispatches/${id}`);
    assert(d.call_ms === report.event_ms, `call at ${d.call_ms}, report at ${report.event_ms}`);
    assert(d.target.lat === p.lat && d.target.lon === p.lon, "the target is not the report's place");
    assert(JSON.stringify(d.source ?? null).includes(report.device_id), `source ${JSON.stringify(d.source)}`);
    await page.waitForSelector(`${card(id)}[data-state=created]`, { timeout: 5000 });
    assert(((await page.textContent(card(id))) ?? '').includes('来自报告'), 'the card does not say it came from a report');
    // Leave the board as it was: this one is closed again.
    await hqJson(page, 'POST', `/api/v1/dispatches/${id}/close`, { reason: '页面测试' });
  });

  await check('today: the 1-3-5 dispatch figures equal /api/v1/stats/daily', async () => {
    await openView(page, 'today');
    await page.waitForSelector('.figures [data-figures=dispatch]', { timeout: 8000 });
    const date = await page.getAttribute('.figures', 'data-date');
    const api = await hqJson(page, 'GET', `/api/v1/stats/daily?date=${date}`);
    assert(Array.isArray(api.dispatch) && api.dispatch.length === 3, `stats/daily dispatch: ${JSON.stringify(api.dispatch)?.slice(0, 80)}`);
    if (date === ctx.date) assert(api.dispatch.reduce((n, f) => n + f.dispatches, 0) >= 2, "today's dispatches are not counted");
    const wrong = await figuresMatch(page, '.figures', api.dispatch);
    assert(wrong.length === 0, wrong.join('; '));
  });

  for (const lang of ['en', 'zh-CN']) {
    await check(`${lang} dispatch: the populated board, every string translated, fits`, async () => {
      await setLang(page, lang);
      await openView(page, 'dispatch');
      await page.waitForSelector('[data-view-root=dispatch] .dcard', { timeout: 5000 });
      const problems = await textProblems(page, lang);
      assert(problems.length === 0, problems.join('; '));
      for (const vp of VIEWPORTS) {
        await page.setViewportSize({ width: vp.width, height: vp.height });
        await page.waitForTimeout(200);
        const over = await layout(page);
        assert(over <= 0, `${vp.name}: the page is ${over}px wider than the viewport`);
        await page.screenshot({ path: `${OUT}${vp.name}-${lang}-dispatch-board.png` });
      }
      await page.setViewportSize({ width: 1920, height: 1080 });
    });
  }
}

main().catch((e) => {
  console.error(e);
  console.log(`hq-web: ${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
