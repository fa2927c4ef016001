// Screen test: serves the built dist/ on 127.0.0.1 under a strict CSP, drives Debian's
// Chromium (playwright-core, no downloaded browser) against the FAKE api, walks
// enrol → home → start patrol → live patrol (two taps) → lost person → sync → history and the
// other main screens, asserts visible text, layout (no horizontal overflow, touch targets),
// CSP and "no network", and saves PNGs at 360×780 and 1024×768 to ../artifacts/screens/.
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { png } from './png.mjs';
import { serve } from './serve.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const OUT = process.env.SCREENS_DIR ?? here('../../artifacts/screens/');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const VIEWPORTS = [
  { name: '360x780', width: 360, height: 780 },
  { name: '1024x768', width: 1024, height: 768 },
];

let passed = 0;
let failed = 0;
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
    problems.push(`${name}: ${e.message.split('\n')[0]}`);
    console.log(`  FAIL ${name}\n       ${e.message.split('\n').slice(0, 3).join('\n       ')}`);
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

async function walk(browser, base, vp) {
  console.log(`# ${vp.name}`);
  const ctx = await browser.newContext({
    viewport: { width: vp.width, height: vp.height },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    colorScheme: 'light',
    deviceScaleFactor: 1,
    hasTouch: vp.width < 500,
  });
  // Morning peak (06:00–09:00 duty window) in the city's time zone; time then flows normally.
  await ctx.clock.install({ time: new Date('2026-11-29T07:20:00+08:00') });
  const page = await ctx.newPage();
  currentPage = page;
  const pageErrors = [];
  const offsite = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  await page.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.protocol === 'blob:' || u.protocol === 'data:' || u.hostname === '127.0.0.1') return route.continue();
    offsite.push(u.href);
    return route.abort();
  });

  const shot = (name) => page.screenshot({ path: `${OUT}${vp.name}-${name}.png` });
  const see = async (text, timeout = 5000) => page.getByText(text, { exact: false }).first().waitFor({ state: 'visible', timeout });
  const tap = (name) => page.getByRole('button', { name, exact: false }).first().click();
  const go = async (hash) => {
    await page.evaluate((h) => (location.hash = h), hash);
    await page.waitForTimeout(150);
  };
  const layout = async (screen) => {
    const r = await page.evaluate(() => {
      const over = document.documentElement.scrollWidth - window.innerWidth;
      const small = [...document.querySelectorAll('button, input:not([type=file]), select, textarea')]
        .filter((el) => el.offsetParent !== null && !el.classList.contains('visually-hidden'))
        .map((el) => ({ el, r: el.getBoundingClientRect() }))
        .filter(({ r }) => r.height > 0 && r.height < 44)
        .map(({ el, r }) => `${el.tagName.toLowerCase()}.${el.className} "${(el.textContent ?? '').trim().slice(0, 20)}" ${Math.round(r.height)}px`);
      return { over, small };
    });
    assert(r.over <= 0, `${screen}: page is ${r.over}px wider than the viewport`);
    assert(r.small.length === 0, `${screen}: touch targets under 44px: ${r.small.join('; ')}`);
  };

  await page.goto(`${base}/?fake-speed=25#/`);

  await check(`${vp.name} enrol: shows the form, QR scan disabled with a note`, async () => {
    await see('设备登记');
    await see('扫码功能随移动端插件提供');
    assert(await page.getByRole('button', { name: '扫描二维码' }).isDisabled(), 'scan button should be disabled');
    await layout('enrol');
    await shot('enrol');
  });

  await check(`${vp.name} enrol: a missing code is reported under its field`, async () => {
    await page.fill('#hq_url', 'http://127.0.0.1:8787');
    await page.locator('button[type=submit]').click();
    await see('必填');
    assert((await page.locator('[data-field="code"] .field-error').textContent()).includes('必填'), 'error not under code');
    await page.fill('#code', 'DEMO-2026');
    await page.locator('button[type=submit]').click();
    await see('开始巡逻');
  });

  await check(`${vp.name} home: patrol card, big buttons, unsynced badge`, async () => {
    await see('当前没有进行中的巡逻');
    await see('已全部同步');
    await layout('home');
    await shot('home');
  });

  await check(`${vp.name} start patrol: group, officers, volunteers, plate`, async () => {
    await tap('开始巡逻');
    await see('群防力量');
    await page.selectOption('#group', 'G07');
    assert((await page.locator('#mode [aria-checked=true]').textContent()).includes('铁骑'), 'group G07 should preselect motorcycle');
    for (const name of ['张伟', '李强']) {
      await page.fill('#officers', name);
      await tap('添加');
    }
    await page.getByRole('button', { name: '增加红袖章/红马甲' }).click();
    await page.getByRole('button', { name: '增加红袖章/红马甲' }).click();
    await page.getByRole('button', { name: '增加保安' }).click();
    await see('共 3 人');
    await page.fill('#vehicle_plate', '湘J·A1234');
    await layout('start-patrol');
    await shot('start-patrol');
    await page.locator('button[type=submit]').click();
    await see('巡逻中');
  });

  await check(`${vp.name} live patrol: route drawn, two one-tap violations counted`, async () => {
    await page.waitForSelector('.map-route', { timeout: 8000 });
    await page.locator('[data-violation="no-helmet"]').click();
    await see('已保存 · 不戴头盔');
    await page.locator('[data-violation="umbrella-rig"]').click();
    await see('已保存 · 加装伞具');
    await page.waitForFunction(() => document.querySelector('[data-testid="count-no-helmet"]')?.textContent?.includes('今日 1'));
    await page.waitForFunction(() => document.querySelector('[data-testid="count-umbrella-rig"]')?.textContent?.includes('今日 1'));
    await see('条待同步');
    await layout('live-patrol');
    await shot('live-patrol');
  });

  await check(`${vp.name} violation details from the toast`, async () => {
    await see('已保存 · 加装伞具');
    await page.getByTestId('last-saved').getByRole('button', { name: '添加详情' }).click();
    await see('违法详情');
    await page.fill('#plate', '湘J12345');
    await page.locator('#vehicle [data-value="e-bike"]').click();
    await page.getByRole('button', { name: '增加收缴物品' }).click();
    await layout('violation-details');
    await shot('violation-details');
    await page.locator('button[type=submit]').click();
    await see('详情已补充到');
  });

  await check(`${vp.name} report menu and lost-person form (validation, autosave, submit)`, async () => {
    await go('#/report');
    await see('纠纷调解');
    await layout('report-menu');
    await shot('report-menu');
    await tap('走失人员');
    await see('体貌特征与情况');
    await page.locator('button[type=submit]').click();
    await page.locator('[data-field="description"] .field-error').waitFor();
    await page.fill('#description', '七旬老人，灰色外套，独自在光荣路口徘徊，无法说清住址');
    await page.fill('#identifying_code', 'WB-20931');
    await page.fill('#found_place', '光荣路与洞庭大道交叉口');
    await page.fill('#handed_to', '老人之子 王先生');
    await see('草稿已自动保存', 4000);
    await layout('lost-person');
    await shot('lost-person');
    await page.locator('button[type=submit]').click();
    await page.waitForFunction(() => location.hash === '#/patrol/live');
    await see('已保存 #');
  });

  await check(`${vp.name} accident: photo checklist, vehicles, plate error under its field`, async () => {
    await go('#/report/accident');
    await see('拍照取证');
    await page.setInputFiles('#photo-front', { name: 'front.png', mimeType: 'image/png', buffer: png(160, 120, 0) });
    await page.locator('.check-step.done').first().waitFor();
    await page.setInputFiles('#photo-rear', { name: 'rear.png', mimeType: 'image/png', buffer: png(160, 120, 1) });
    await page.waitForFunction(() => document.querySelectorAll('.check-step.done').length === 2);
    await page.fill('[id="vehicles[0].plate"]', '湘J12345');
    await page.fill('[id="vehicles[1].plate"]', 'ABC123');
    await page.locator('#outcomes [data-value="cars-moved"]').click();
    await page.locator('#outcomes [data-value="insurance-advised"]').click();
    await page.locator('button[type=submit]').click();
    const err = page.locator('[data-field="vehicles[1].plate"] .field-error');
    await err.waitFor();
    assert((await err.textContent()).includes('省份简称'), 'plate error should say the province is missing');
    await layout('accident');
    await shot('accident-error');
    await page.fill('[id="vehicles[1].plate"]', '湘JD12345');
    await page.locator('button[type=submit]').click();
    await page.waitForFunction(() => location.hash === '#/patrol/live');
  });

  await check(`${vp.name} dispute entry preselects dispute-resolved`, async () => {
    await go('#/report');
    await tap('纠纷调解');
    assert((await page.locator('#kind [aria-checked=true]').textContent()).includes('纠纷调解'), 'dispute not preselected');
    await page.fill('#description', '两车主因停车位发生口角，现场调解');
    await page.fill('#outcome', '双方握手言和');
    await layout('assistance');
    await shot('assistance-dispute');
    await page.locator('button[type=submit]').click();
    await page.waitForFunction(() => location.hash === '#/patrol/live');
  });

  await check(`${vp.name} incident draft survives and is offered for resume`, async () => {
    await go('#/report/incident');
    await see('涉案价值');
    await page.fill('#description', '电动车被盗，已调取视频');
    await page.fill('#value_yuan', '2600');
    await see('草稿已自动保存', 4000);
    await layout('incident');
    await shot('incident');
    await go('#/report');
    await see('未完成的草稿');
    await see('电动车被盗');
    await shot('report-menu-drafts');
  });

  await check(`${vp.name} post duty: arrive (who holds the post), on post, marked manual`, async () => {
    await go('#/posts');
    await see('驻点执勤');
    await page.locator('.post').first().getByRole('button', { name: '到岗' }).click();
    await see('在岗民警');
    await page.getByTestId('arrival-confirm').click();
    await see('至少填写一名民警');
    await page.fill('#officer-0', '张伟');
    await tap('再添加一名民警');
    await page.fill('#officer-1', '李强');
    await page.getByRole('button', { name: '增加红袖章/红马甲' }).click();
    await page.getByRole('button', { name: '增加红袖章/红马甲' }).click();
    await see('共 2 人');
    await layout('post-arrival-sheet');
    await shot('post-arrival-sheet');
    await page.getByTestId('arrival-confirm').click();
    await see('已到岗');
    await page.locator('.post.is-on').first().waitFor();
    assert((await page.locator('.post.is-on').first().textContent()).includes('手动'), 'a manual check-in should be marked 手动');
    await page.clock.fastForward('40:00');
    await page.evaluate(() => window.scrollTo(0, 0));
    await see('本时段在岗 40 分钟', 8000);
    await layout('post-duty');
    await shot('post-duty');
  });

  await check(`${vp.name} post duty: the geofence suggests an arrival, violations need no patrol (zh-CN, en)`, async () => {
    // The simulated officer stands at P02 (洞庭大道/武陵大道) for a minute and a half.
    await page.goto(`${base}/?fake-speed=25&fake-hold=P02#/posts`);
    await see('驻点执勤');
    await page.clock.runFor('01:30');
    const banner = page.getByTestId('post-suggestion');
    // P01 was checked in by hand 40 minutes ago, yet the fixes of the last quarter hour are all
    // far from it: the fence asks about leaving P01 first, then about arriving at P02.
    await see('已离开 洞庭大道/光荣路（P01）？', 8000);
    await see('定位判定：已在围栏外');
    await page.evaluate(() => window.scrollTo(0, 0));
    await layout('post-duty-suggest-leave');
    await shot('post-duty-suggest-leave');
    await banner.getByRole('button', { name: '确认离岗' }).click();
    await see('已离岗 · 洞庭大道/光荣路');
    await see('已到达 洞庭大道/武陵大道（P02）？', 8000);
    assert((await banner.getByRole('button').textContent()).includes('确认到岗'), 'banner should offer 确认到岗');
    await page.locator('[data-violation="no-helmet"]').waitFor();
    await page.evaluate(() => window.scrollTo(0, 0));
    await layout('post-duty-suggestion');
    await shot('post-duty-suggestion');
    await page.locator('[data-violation="red-light"]').click();
    await see('已保存 · 闯红灯');
    await page.waitForFunction(() => document.querySelector('[data-testid="count-red-light"]')?.textContent?.includes('今日 1'));

    await go('#/settings');
    await page.locator('#language [data-value="en"]').click();
    await see('Language');
    await go('#/posts');
    await see('Arrived at 洞庭大道/武陵大道 (P02)?');
    await see('Confirm arrival');
    await see('No helmet');
    await see('Violations (no patrol needed)');
    await page.evaluate(() => window.scrollTo(0, 0));
    await layout('post-duty-suggestion-en');
    await shot('post-duty-suggestion-en');
    await go('#/settings');
    await page.locator('#language [data-value="zh-CN"]').click();
    await see('语言 / Language');

    await go('#/posts');
    await page.getByTestId('post-suggestion').getByRole('button', { name: '确认到岗' }).click();
    await see('已到岗 · 洞庭大道/武陵大道');
    await page.locator('.post.is-on[data-post="P02"]').waitFor();
    await page.getByTestId('post-suggestion').waitFor({ state: 'detached', timeout: 5000 });
    assert(!(await page.locator('.post[data-post="P02"]').textContent()).includes('手动'), 'a confirmed suggestion is not manual');
    await shot('post-duty-confirmed');
  });

  await check(`${vp.name} sync: progress and receipt`, async () => {
    await page.getByTestId('unsynced-badge').click();
    await see('立即同步');
    await layout('sync');
    await page.getByTestId('sync-now').click();
    await see('指挥中心已收到 #1–#', 8000);
    await see('同步完成');
    await shot('sync');
  });

  await check(`${vp.name} history: newest first, sync badges, corrected-by`, async () => {
    await go('#/history');
    await see('走失人员');
    await see('已同步');
    await see('已被 #');
    const seqs = await page.locator('.entry').evaluateAll((els) => els.map((e) => Number(e.dataset.seq)));
    assert(seqs.every((s, i) => i === 0 || s < seqs[i - 1]), 'history is not newest first');
    await layout('history');
    await shot('history');
  });

  await check(`${vp.name} history: withdraw needs a reason, correct via supplement`, async () => {
    const violation = page.locator('.entry', { hasText: '不戴头盔' }).first();
    await violation.getByRole('button', { name: '撤回' }).click();
    await page.locator('.sheet .btn-danger').click();
    await page.locator('.sheet .field-error').waitFor();
    await shot('withdraw-dialog');
    await page.fill('#dialog-reason', '重复录入');
    await page.locator('.sheet .btn-danger').click();
    await see('已撤回');
    const lost = page.locator('.entry', { hasText: '走失人员' }).first();
    await lost.getByRole('button', { name: '更正' }).click();
    await see('原记录保留');
    await page.waitForFunction(() => document.querySelector('#description')?.value.includes('七旬老人'), null, { timeout: 5000 });
    await page.fill('#found_place', '光荣路与洞庭大道交叉口东北角');
    await page.locator('button[type=submit]').click();
    await page.locator('[data-field="reason"] .field-error').waitFor();
    await page.fill('#reason', '发现地点补充');
    await page.locator('button[type=submit]').click();
    await see('已更正');
    await see('已被 #');
    await shot('history-corrected');
  });

  await check(`${vp.name} settings: simulated position marked, language switch`, async () => {
    await go('#/settings');
    await see('模拟定位 / simulated position');
    await layout('settings');
    await shot('settings');
    await page.locator('#language [data-value="en"]').click();
    await see('Simulated position / 模拟定位');
    await shot('settings-en');
    await go('#/');
    await see('Continue patrol');
    await layout('home-en');
    await shot('home-en');
    await go('#/patrol/live');
    await see('No helmet');
    await layout('live-patrol-en');
    await shot('live-patrol-en');
    await page.locator('#app').evaluate(() => undefined);
    await go('#/settings');
    await page.locator('#language [data-value="zh-CN"]').click();
    await see('语言 / Language');
  });

  await check(`${vp.name} stop patrol asks first`, async () => {
    await go('#/patrol/live');
    await page.emulateMedia({ colorScheme: 'dark' });
    await see('结束巡逻');
    await shot('live-patrol-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await tap('结束巡逻');
    await see('结束本次巡逻？');
    await shot('stop-confirm');
    await page.locator('.sheet .btn-danger').click();
    await see('巡逻已结束');
    await see('当前没有进行中的巡逻');
  });

  await check(`${vp.name} no page errors, no CSP violations, no network beyond 127.0.0.1`, async () => {
    assert(pageErrors.length === 0, `page errors: ${pageErrors.join(' | ')}`);
    assert(offsite.length === 0, `requests off the machine: ${offsite.join(', ')}`);
  });

  await ctx.close();
}

async function main() {
  await mkdir(OUT, { recursive: true });
  const server = await serve(here('../dist'));
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  try {
    for (const vp of VIEWPORTS) await walk(browser, base, vp);
  } finally {
    await browser.close();
    server.close();
  }
  console.log(`screenshots: ${OUT}`);
  if (problems.length) console.log(`problems:\n  ${problems.join('\n  ')}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
