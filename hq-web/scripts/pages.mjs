// Page test: drives Debian's Chromium (playwright-core, no downloaded browser) against a REAL
// HQ serving this page (HQ_URL, e.g. http://127.0.0.1:8787, populated by the simulator) with an
// operator token (HQ_TOKEN). Signs in; renders every view in zh-CN and en at 1920×1080 and
// 1366×768 (no missing keys, no stray Latin text in zh-CN, no horizontal overflow); checks
// every figure on Today equals GET /api/v1/stats/daily and the bulletin equals
// GET /api/v1/bulletin; a pushed upload shows on the live map without a reload (HQ_UPLOAD_CMD);
// a revoked session (HQ_REVOKE_CMD revokes HQ_REVOKE_TOKEN's operator, else HQ_TOKEN's) and
// an expired one (a 5-second session, `ttl_s`) land on sign-in;
// nothing is requested beyond HQ's origin, no CSP violation, no page error. A check whose env
// var is missing is skipped and says so. Screenshots go to ../artifacts/hq-web/ (SCREENS_DIR).
import { execSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const OUT = (process.env.SCREENS_DIR ?? here('../../artifacts/hq-web/')).replace(/\/?$/, '/');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const HQ = (process.env.HQ_URL ?? '').replace(/\/$/, '');
const TOKEN = process.env.HQ_TOKEN ?? '';
const VIEWPORTS = [
  { name: '1920x1080', width: 1920, height: 1080 },
  { name: '1366x768', width: 1366, height: 768 },
];
const VIEWS = ['live', 'today', 'posts', 'coverage', 'presence', 'replay', 'reports', 'devices'];
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
      const options = await page.$$eval('select[data-field=patrol] option', (os) => os.map((o) => o.value).filter(Boolean));
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

main().catch((e) => {
  console.error(e);
  console.log(`hq-web: ${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
