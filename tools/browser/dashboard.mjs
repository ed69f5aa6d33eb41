// Drives Debian's headless Chromium through Switchboard's pages (playwright-core with the
// system browser), for the dashboard tests in crates/server/tests/api/browser.rs.
//   node dashboard.mjs SCENARIO PARAMS_JSON
// Every page visited is checked with axe-core (no serious or critical violation) and for
// Content-Security-Policy violations. Screenshots go to params.shots when it is set.
// A failed check throws: the process exits 1 and prints why.
import { createHmac } from 'node:crypto';
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const [scenario, raw] = process.argv.slice(2);
const p = JSON.parse(raw);

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
  console.log(`ok: ${what}`);
}

const browser = await chromium.launch({
  executablePath: process.env.SWITCHBOARD_CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--autoplay-policy=no-user-gesture-required'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
const cspViolations = [];
page.on('console', (m) => {
  if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
});
const responses = [];
page.on('response', (r) => responses.push({ url: r.url(), status: r.status() }));

async function axe(name) {
  // Evaluated through the DevTools protocol, so the page's own CSP still applies to the page.
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of bad) console.log(`axe ${name}: ${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  check(bad.length === 0, `${name}: no serious or critical accessibility violation`);
  check(cspViolations.length === 0, `${name}: no Content-Security-Policy violation ${cspViolations.join(' | ')}`);
}

async function shot(name) {
  if (!p.shots) return;
  mkdirSync(p.shots, { recursive: true });
  await page.screenshot({ path: `${p.shots}/${name}.png`, fullPage: true });
}

async function login(email, password) {
  await page.fill('#email', email);
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
}

async function owner() {
  // A chat alert's link, opened by someone not logged in: the login page, then the call.
  await page.goto(`${p.base}/calls/${p.call_id}`);
  check(new URL(page.url()).pathname === '/login', 'an alert link leads to the login page first');
  await axe('login');
  await shot('login');
  await login(p.email, p.password);
  check(new URL(page.url()).pathname === `/calls/${p.call_id}`, 'after logging in, the call the link named');
  check((await page.textContent('h1')).startsWith('Call from'), 'the call page names the caller');
  await axe('call');
  await shot('call');

  // The recording plays and seeks, through Range requests answered 206.
  const audio = page.locator('audio').first();
  await audio.evaluate((a) => a.readyState >= 1 || new Promise((ok, ko) => {
    a.addEventListener('loadedmetadata', ok, { once: true });
    a.addEventListener('error', () => ko(new Error('the audio failed to load')), { once: true });
  }));
  const duration = await audio.evaluate((a) => a.duration);
  check(Math.abs(duration - p.secs) < 0.3, `the recording lasts ${duration.toFixed(2)} s, as stored (${p.secs} s)`);
  const at = await audio.evaluate((a) => new Promise((ok) => {
    a.addEventListener('seeked', () => ok(a.currentTime), { once: true });
    a.currentTime = a.duration / 2;
  }));
  check(Math.abs(at - duration / 2) < 0.5, `seeking lands at ${at.toFixed(1)} s`);
  await audio.evaluate((a) => { a.muted = true; return a.play(); });
  await page.waitForTimeout(300);
  check(!(await audio.evaluate((a) => a.paused)), 'the recording plays');
  check(responses.some((r) => r.url.includes('/recordings/') && r.status === 206), 'the player got a 206 partial answer');

  // An incident about this call, opened from its page: acknowledged, noted, resolved.
  await Promise.all([page.waitForNavigation(), page.click('text=Open an incident about this call')]);
  check(/^\/incidents\/\d+$/.test(new URL(page.url()).pathname), 'the call opens an incident, and its page');
  check((await page.textContent('h1')).includes('Call from'), `titled from the caller and the line: ${await page.textContent('h1')}`);
  await axe('incident');
  check((await page.locator('main audio').count()) >= 1, "the linked call's recording is on the incident's page");
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Acknowledge")')]);
  check((await page.locator('main .pill').first().textContent()).includes('Acknowledged'), 'acknowledged, in words');
  await page.fill('#i-note', 'Called the vendor back.');
  await Promise.all([page.waitForNavigation(), page.click('text=Add the note')]);
  check((await page.textContent('.log')).includes('Called the vendor back.'), 'the note is on the timeline');
  await shot('incident');
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Resolve")')]);
  check((await page.locator('main .pill').first().textContent()).includes('Resolved'), 'resolved');
  check((await page.locator('button:has-text("Resolve")').count()) === 0, 'a resolved incident offers no status buttons');
  await page.goto(`${p.base}/incidents`);
  await axe('incidents');
  const open = await page.locator('table.calls tbody tr').count();
  check(open === 1 && (await page.textContent('table.calls')).includes('Voicemail from'), `the open incidents: the one the voicemail opened (${open})`);
  await page.selectOption('#i-status', 'resolved');
  await Promise.all([page.waitForNavigation(), page.click('form.filters button[type=submit]')]);
  check(new URL(page.url()).searchParams.get('status') === 'resolved' && (await page.locator('table.calls tbody tr').count()) === 1, 'the resolved one, filtered in the URL');
  await page.goto(`${p.base}/calls/${p.call_id}`);
  check((await page.textContent('main')).includes('Resolved'), 'the call names its incident and its status');
  // A webhook integration: its signing secret is made and shown once, then only its host.
  await page.goto(`${p.base}/integrations`);
  await axe('integrations');
  await page.fill('#g-name', 'Our incident bot');
  await page.selectOption('#g-kind', 'webhook');
  await page.fill('#g-url', 'http://127.0.0.1:9/hooks/switchboard');
  await Promise.all([page.waitForNavigation(), page.click('text=Add the integration')]);
  const secret = (await page.textContent('#made-secret')).trim();
  check(/^whsec_[A-Za-z0-9+/=]{40,}$/.test(secret), 'the signing secret is shown once');
  await page.goto(`${p.base}/integrations`);
  check(!(await page.content()).includes(secret) && (await page.textContent('table')).includes('127.0.0.1'), 'then never again: only the host');
  await Promise.all([page.waitForNavigation(), page.click('button[aria-label="Delete Our incident bot"]')]);
  check((await page.locator('table').count()) === 0, 'deleted');

  // The list, filtered through its form; the CSV holds exactly the filtered calls.
  await page.goto(`${p.base}/calls`);
  await axe('calls');
  await shot('calls');
  const all = await page.locator('table.calls tbody tr').count();
  check(all === p.total_calls, `the list shows all ${p.total_calls} calls (${all})`);
  // Paging by keyset: two calls a page, then "Older calls →" to the rest; no empty last page.
  const newest = await page.$$eval('table.calls tbody tr td:first-child a', (as) => as.map((a) => a.getAttribute('href')));
  await page.goto(`${p.base}/calls?per=2`);
  const first = await page.$$eval('table.calls tbody tr td:first-child a', (as) => as.map((a) => a.getAttribute('href')));
  check(JSON.stringify(first) === JSON.stringify(newest.slice(0, 2)), 'a page of two holds the two newest calls');
  check((await page.inputValue('#f-per')) === '2', 'the page size is kept in the form');
  await Promise.all([page.waitForNavigation(), page.click('text=Older calls →')]);
  const older = await page.$$eval('table.calls tbody tr td:first-child a', (as) => as.map((a) => a.getAttribute('href')));
  check(JSON.stringify(older) === JSON.stringify(newest.slice(2)), `"Older calls →" shows the rest (${older.length})`);
  check(new URL(page.url()).searchParams.get('per') === '2', 'the next page keeps its size');
  check((await page.locator('text=Older calls →').count()) === 0, 'the last page has no link to an empty one');
  check((await page.textContent('#count')).includes('older call'), `the count says these are older calls: ${await page.textContent('#count')}`);
  await page.goto(`${p.base}/calls`);
  await page.selectOption('#f-outcome', p.outcome);
  await Promise.all([page.waitForNavigation(), page.click('form.filters button[type=submit]')]);
  check(new URL(page.url()).searchParams.get('outcome') === p.outcome, 'the filter is in the URL');
  const shown = await page.$$eval('table.calls tbody tr td:first-child a', (as) => as.map((a) => a.getAttribute('href').split('/').pop()));
  check(shown.length === p.outcome_calls, `${p.outcome}: ${shown.length} calls shown (expected ${p.outcome_calls})`);
  const csvHref = await page.getAttribute('a[download][href*="export.csv"]', 'href');
  const csv = await page.evaluate((h) => fetch(h).then((r) => r.text()), csvHref);
  const ids = csv.trim().split('\r\n').slice(1).map((l) => l.split(',')[0]);
  check(JSON.stringify(ids) === JSON.stringify(shown), `the CSV export holds exactly the ${shown.length} calls shown`);
  // Answered by someone, voicemails left out: the CSV follows that filter too.
  await page.selectOption('#f-outcome', '');
  await page.selectOption('#f-answered', { label: 'Alice' });
  await Promise.all([page.waitForNavigation(), page.click('form.filters button[type=submit]')]);
  const alices = await page.$$eval('table.calls tbody tr td:first-child a', (as) => as.map((a) => a.getAttribute('href').split('/').pop()));
  const csv2 = await page.evaluate((h) => fetch(h).then((r) => r.text()), await page.getAttribute('a[download][href*="export.csv"]', 'href'));
  const ids2 = csv2.trim().split('\r\n').slice(1).map((l) => l.split(',')[0]);
  check(alices.length === p.outcome_calls && JSON.stringify(ids2) === JSON.stringify(alices), `answered by Alice: ${alices.length} calls, the CSV the same`);

  // The home page; the keyboard reaches the skip link first.
  await page.goto(`${p.base}/`);
  await axe('home');
  await shot('home');
  await page.keyboard.press('Tab');
  check((await page.evaluate(() => document.activeElement.textContent)).includes('Skip to the content'), 'the first Tab reaches the skip link');
  check((await page.textContent('main')).includes(p.line_name), 'home names the line');
  const desc = await page.textContent('#chart-desc');
  check(desc.startsWith('3 calls in 30 days: 2 answered, 1 voicemail, 0 missed'), `the chart counts the calls by outcome: ${desc}`);

  // The line: who would be called at another time, and test mode with its banner.
  await page.goto(`${p.base}/lines`);
  await axe('lines');
  await Promise.all([page.waitForNavigation(), page.click(`a[href="/lines/${p.line_id}"]`)]);
  await axe('line');
  check((await page.textContent('ol.route')).includes('Alice'), 'a call now would ring Alice');
  await page.fill('#at', '2030-01-07T03:00');
  await Promise.all([page.waitForNavigation(), page.click('form.filters button[type=submit]')]);
  check(new URL(page.url()).searchParams.get('at') === '2030-01-07T03:00', 'the instant asked about is in the URL');
  check((await page.textContent('main')).includes('2030-01-07 03:00'), 'the dry run answers for the instant asked');
  await Promise.all([page.waitForNavigation(), page.click('text=Start test mode: ring me')]);
  check((await page.textContent('#test-banner')).includes('every call rings only you, 5:00 left'), 'test mode: a banner with the time left');
  await shot('line-test-mode');
  await page.goto(`${p.base}/calls`);
  check((await page.textContent('#test-banner')).includes('Test mode on Ops hotline'), 'the banner is on every page');
  await page.waitForResponse((r) => r.url().endsWith('/test-mode/banner') && r.status() === 200, { timeout: 5000 });
  check(true, 'the banner refreshes itself (htmx, every second)');
  await page.goto(`${p.base}/lines/${p.line_id}`);
  await Promise.all([page.waitForNavigation(), page.click('text=End test mode now')]);
  check((await page.textContent('#test-banner')).trim() === '', 'ending test mode removes the banner');

  // The profile: one's own time zone (the pages follow it), a token shown once, revoked.
  await page.goto(`${p.base}/profile`);
  await axe('profile');
  await page.fill('#tz', 'Europe/Berlin');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/profile"] button')]);
  check((await page.inputValue('#tz')) === 'Europe/Berlin', 'the time zone is saved');
  await page.goto(`${p.base}/calls`);
  check((await page.textContent('table.calls time')).endsWith('CET'), 'times now show in Berlin time');
  await page.goto(`${p.base}/profile`);
  await page.fill('#t-name', 'laptop script');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/profile/tokens"] button')]);
  const token = (await page.textContent('.note .mono')).trim();
  check(token.startsWith('sb_'), 'the new token is shown once');
  const me = await page.evaluate((t) => fetch('/api/v1/me', { headers: { Authorization: `Bearer ${t}` } }).then((r) => r.status), token);
  check(me === 200, 'the token works');
  await page.goto(`${p.base}/profile`);
  check(!(await page.textContent('main')).includes(token), 'the token is not shown again');
  await Promise.all([page.waitForNavigation(), page.click('button[aria-label="Revoke the token laptop script"]')]);
  const after = await page.evaluate((t) => fetch('/api/v1/me', { headers: { Authorization: `Bearer ${t}` } }).then((r) => r.status), token);
  check(after === 401, 'the revoked token no longer works');
  const audit = await page.goto(`${p.base}/audit`);
  check(audit.status() === 403, `a member cannot read the audit trail (${audit.status()})`);

  // At 375 px wide nothing needs sideways scrolling.
  await page.setViewportSize({ width: 375, height: 800 });
  for (const [name, path] of [['home', '/'], ['calls', '/calls'], ['call', `/calls/${p.call_id}`]]) {
    await page.goto(`${p.base}${path}`);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    // On failure, name the element that sticks out.
    const culprit = wide <= 375 ? '' : await page.evaluate(() => {
      const all = [...document.querySelectorAll('main *')].filter((e) => e.getBoundingClientRect().right > 375);
      const last = all[all.length - 1];
      return last ? last.outerHTML.slice(0, 200) : '';
    });
    check(wide <= 375, `${path} fits 375 px (${wide}) ${culprit}`);
    await shot(`${name}-375px`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });

  // Logging out ends the session.
  await page.goto(`${p.base}/`);
  await Promise.all([page.waitForNavigation(), page.click('form.who button')]);
  check(new URL(page.url()).pathname === '/login', 'logging out shows the login page');
  await page.goto(`${p.base}/calls`);
  check(new URL(page.url()).pathname === '/login', 'after logging out, pages ask to log in again');
}

async function stranger() {
  await page.goto(`${p.base}/login`);
  await login(p.email, p.password);
  const resp = await page.goto(`${p.base}/calls/${p.call_id}`);
  check(resp.status() === 404, `another team's call answers 404 (${resp.status()})`);
  await axe('not found');
  const media = await page.evaluate((u) => fetch(u).then((r) => r.status), p.recording_url);
  check(media === 404, `another team's recording answers 404 (${media})`);
  const people = await page.goto(`${p.base}/people`);
  check(people.status() === 403, `a member cannot manage people (${people.status()})`);
  const line = await page.goto(`${p.base}/lines/${p.line_id}`);
  check(line.status() === 404, `another team's line answers 404 (${line.status()})`);
  await page.goto(`${p.base}/calls`);
  check((await page.locator('table.calls tbody tr').count()) === 0, 'the list holds none of their calls');
  await page.goto(`${p.base}/`);
  check(!(await page.textContent('main')).includes(p.line_name), 'home does not name their line');
}

async function admin() {
  await page.goto(`${p.base}/login`);
  await login(p.email, p.password);
  // Channels: one that takes messages, one that is down; each gets a test message.
  await page.goto(`${p.base}/channels`);
  await axe('channels');
  for (const [name, url] of [['#oncall', p.receiver], ['#down', 'http://127.0.0.1:9/hook']]) {
    await page.fill('#c-name', name);
    await page.fill('#c-url', url);
    await Promise.all([page.waitForNavigation(), page.click('text=Add the channel')]);
  }
  await Promise.all([page.waitForNavigation(), page.click('button[aria-label="Send a test message to #oncall"]')]);
  check((await page.textContent('.note[role=status]')).includes('#oncall took the test message'), 'a test message reaches a working channel');
  await Promise.all([page.waitForNavigation(), page.click('button[aria-label="Send a test message to #down"]')]);
  const why = await page.textContent('.problem[role=alert]');
  check(why.includes('#down did not take the test message: could not reach the channel'), `a channel that is down says so: ${why}`);
  check(!(await page.textContent('main')).includes('/hook'), 'the webhook URLs (secrets) are not on the page');
  await shot('channels');

  // A line's settings, section by section, through the API's checks.
  await page.goto(`${p.base}/lines/${p.line_id}/settings`);
  await axe('settings');
  await page.check('input[name=screening]');
  await page.fill('#s-vm', '5');
  // The browser itself refuses 5 (min=10); without its check, the server must too.
  await page.$eval('form:has(input[value=general])', (f) => { f.noValidate = true; });
  await Promise.all([page.waitForNavigation(), page.click('form:has(input[value=general]) button')]);
  check((await page.textContent('.problem')).includes('voicemail_max_secs'), 'a refused setting names the field');
  await page.check('input[name=screening]');
  await page.fill('#s-vm', '90');
  await Promise.all([page.waitForNavigation(), page.click('form:has(input[value=general]) button')]);
  await page.fill('#s-blocked', '+1900*\n+14155550666');
  await Promise.all([page.waitForNavigation(), page.click('form:has(input[value=callers]) button')]);
  await page.check('input[name=enabled]');
  await page.fill('#s-tz', 'Europe/Berlin');
  await Promise.all([page.waitForNavigation(), page.click('form:has(input[value=hours]) button')]);
  await page.selectOption('#route2', { label: 'Mia (+14155550111)' });
  await Promise.all([page.waitForNavigation(), page.click('form:has(input[value=routing]) button')]);
  // A recorded welcome: uploaded, played on the page, then back to speech.
  await page.setInputFiles('#a-welcome', { name: 'welcome.wav', mimeType: 'audio/wav', buffer: wav() });
  await Promise.all([page.waitForNavigation(), page.click('form[action$="/audio/welcome"] button')]);
  const player = page.locator('section[aria-label="When the call comes in"] audio');
  const secs = await duration(player);
  check(Math.abs(secs - 1) < 0.1, `the uploaded welcome plays on the page (${secs} s)`);
  await Promise.all([page.waitForNavigation(), page.click('button[aria-label="Go back to speech for When the call comes in"]')]);
  check((await page.locator('section[aria-label="When the call comes in"] audio').count()) === 0, 'back to speech');
  await page.fill('#m-welcome', 'Ops hotline: connecting you now.');
  await Promise.all([page.waitForNavigation(), page.click('form:has(input[value=messages]) button')]);
  const l = await page.evaluate((id) => fetch(`/api/v1/lines/${id}`).then((r) => r.json()), p.line_id);
  check(l.routing.steps.length === 2 && l.routing.steps[1].user !== undefined, 'a second step, Mia, is added to the chain');
  check(l.messages.welcome.text === 'Ops hotline: connecting you now.', 'the welcome message is changed');
  check(l.screening === true && l.voicemail_max_secs === 90, 'screening on, voicemails up to 90 s');
  check(JSON.stringify(l.caller_rules.blocked) === JSON.stringify(['+1900*', '+14155550666']), 'two blocked callers');
  check(l.business_hours && l.business_hours.time_zone === 'Europe/Berlin' && l.business_hours.open[0].start_day === 'monday', 'business hours Monday 09:00 to Friday 17:00, Berlin time');
  await shot('settings');

  // A simulated call: Alice answers; nobody's phone rings, the log says so.
  await page.goto(`${p.base}/lines/${p.line_id}`);
  await page.selectOption('#sim-r1', 'answer');
  await Promise.all([page.waitForNavigation(), page.click('text=Simulate the call')]);
  check(/^\/calls\/\d+$/.test(new URL(page.url()).pathname), 'the simulated call opens its page');
  const story = await page.textContent('main');
  check(story.includes('Alice answered') && story.includes('simulated from the dashboard'), 'it went through the engine: Alice answered, marked simulated');
  await axe('simulated call');
  await page.goto(`${p.base}/calls?test=true`);
  check((await page.textContent('table.calls tbody tr:first-child')).includes('Simulated'), 'the list marks it simulated');

  // People and teams.
  await page.goto(`${p.base}/people`);
  await axe('people');
  await page.fill('#p-name', 'Eve');
  await page.fill('#p-email', 'eve@example.com');
  await page.fill('#p-phone', '+14155550177');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/people"] button')]);
  check((await page.textContent('table')).includes('eve@example.com'), 'a person is added');
  const eve = await page.$eval('table tbody tr:last-child form', (f) => f.getAttribute('action').split('/')[2]);
  const ops = await page.$eval('section.card form.filters', (f) => f.getAttribute('action').split('/')[2]);
  await page.selectOption(`#add-${ops}`, eve);
  await Promise.all([page.waitForNavigation(), page.click(`#add-${ops} >> xpath=ancestor::form//button`)]);
  check((await page.textContent('section.card')).includes('Eve'), 'and put in a team');
  await page.selectOption(`#role-${eve}`, 'admin');
  await Promise.all([page.waitForNavigation(), page.click('button[aria-label="Change the role of Eve"]')]);
  check((await page.textContent('.problem')).includes('only an owner'), 'an admin cannot make an admin: the page says why');
  await page.goto(`${p.base}/audit`);
  await axe('audit');
  await shot('audit');
  const text = await page.textContent('main');
  check(text.includes('POST /profile') && text.includes('Mia <mia@example.com>'), 'the audit trail shows what Mia changed on her profile');
  check(text.includes('DELETE /api/v1/tokens/{id}') || text.includes('POST /profile/tokens/{id}/revoke'), 'and the token she revoked');
  await page.fill('#a-action', 'login');
  await Promise.all([page.waitForNavigation(), page.click('form.filters button')]);
  const rows = await page.locator('tbody tr').count();
  check(rows >= 2 && (await page.textContent('tbody')).includes('login'), `filtering by action shows the logins (${rows})`);
}

// Asks the test (reading this process's output) to place a simulated call to the line whose
// webhook URLs are given, and waits until it says the call is over.
async function placeCall(voice, status) {
  console.log(`PLACE-CALL ${voice} ${status}`);
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    if (line.trim() === 'called') break;
  }
  rl.close();
}

/** One second of silence as an 8 kHz, 16-bit mono WAV file. */
function wav() {
  const w = Buffer.alloc(44 + 16000);
  w.write('RIFF', 0); w.writeUInt32LE(36 + 16000, 4); w.write('WAVEfmt ', 8);
  w.writeUInt32LE(16, 16); w.writeUInt16LE(1, 20); w.writeUInt16LE(1, 22);
  w.writeUInt32LE(8000, 24); w.writeUInt32LE(16000, 28); w.writeUInt16LE(2, 32);
  w.writeUInt16LE(16, 34); w.write('data', 36); w.writeUInt32LE(16000, 40);
  return w;
}

/** The duration of an audio element once its metadata has loaded. */
function duration(locator) {
  return locator.evaluate((a) => a.readyState >= 1 ? a.duration : new Promise((ok) => a.addEventListener('loadedmetadata', () => ok(a.duration), { once: true })));
}

async function setup() {
  await page.goto(`${p.base}/login`);
  await login(p.email, p.password);
  await page.goto(`${p.base}/lines`);
  await Promise.all([page.waitForNavigation(), page.click('text=Set up a line')]);
  await axe('setup: number');
  await page.fill('#name', 'Payments hotline');
  await page.type('#number', '+1 (5');
  await page.waitForFunction(() => document.querySelector('#number-hint').textContent.includes('Not a phone number yet'));
  check(true, 'a number being typed says what is still wrong with it');
  await page.fill('#number', '+1 (500) 555-0077');
  await page.waitForFunction(() => document.querySelector('#number-hint').textContent.includes('+15005550077'));
  check(true, 'a complete number shows how it will be stored: +15005550077');
  await Promise.all([page.waitForNavigation(), page.click('text=Save and continue')]);
  check(/\/lines\/new\/\d+\/routing$/.test(new URL(page.url()).pathname), 'step 1 is saved as a draft with its own URL');
  const draftUrl = page.url();
  await page.selectOption('#step1', `user:${p.alice}`);
  await page.selectOption('#step2', `user:${p.noah}`);
  await Promise.all([page.waitForNavigation(), page.click('text=Save and preview')]);
  const preview = await page.textContent('p[role=status]');
  check(/^1\. Alice \(\d\d:\d\d their time\) → voicemail$/.test(preview.trim()), `the preview: ${preview.trim()}`);
  check((await page.textContent('.warnings')).includes('Noah has no phone number'), 'the preview names the problem: Noah has no phone number');
  await axe('setup: routing');
  await shot('setup-routing');
  // Leaving and coming back finds the draft as it was.
  await page.goto(`${p.base}/`);
  await page.goto(draftUrl);
  check((await page.inputValue('#step1')) === `user:${p.alice}`, 'the draft keeps the chain');
  await Promise.all([page.waitForNavigation(), page.click('text=Save and continue')]);
  await axe('setup: messages');
  await page.fill('#m-welcome', 'Payments hotline. Connecting you to the engineer on call.');
  await page.setInputFiles('#a-no_answer', { name: 'sorry.wav', mimeType: 'audio/wav', buffer: wav() });
  await Promise.all([page.waitForNavigation(), page.click('text=Save, create the line and continue')]);
  check(new URL(page.url()).pathname.endsWith('/connect'), 'the line is created and the provider step shown');
  // Back to the messages: the uploaded recording plays there, and can go back to speech.
  const connectUrl = page.url();
  await page.goto(connectUrl.replace(/connect$/, 'messages'));
  const recording = page.locator('audio[aria-label="The recording for When nobody answered"]');
  const played = await duration(recording);
  check(Math.abs(played - 1) < 0.1, `the recording uploaded in the stepper plays there (${played} s)`);
  check((await page.inputValue('#m-welcome')).startsWith('Payments hotline.'), 'the text is kept beside it');
  await axe('setup: messages with a recording');
  await Promise.all([page.waitForNavigation(), page.click('button[aria-label="Go back to speech for When nobody answered"]')]);
  check((await page.locator('audio').count()) === 0 && new URL(page.url()).pathname.endsWith('/messages'), 'back to speech, on the same step');
  await page.goto(connectUrl);
  await axe('setup: connect');
  await page.fill('#auth', 'line-auth-token');
  await Promise.all([page.waitForNavigation(), page.click('text=Save the auth token')]);
  check((await page.textContent('#first-call')).includes('Waiting for the first call'), 'the indicator waits for the first call');
  const urls = await page.$$eval('main ol li .mono', (els) => els.map((e) => e.textContent.trim()));
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: p.base });
  await page.click('main ol li button[data-copy]');
  check((await page.evaluate(() => navigator.clipboard.readText())) === urls[0], 'the Copy button copies the webhook URL');
  // Meanwhile, the call list in another tab: a new call is announced, not slid in.
  const list = await context.newPage();
  await list.goto(`${p.base}/calls`);
  const before = await list.locator('table.calls tbody tr').count();
  await placeCall(urls[0], urls[1]);
  await list.waitForSelector('#new-calls a', { timeout: 10000 });
  check((await list.textContent('#new-calls')).includes('1 new call'), 'the list announces the new call');
  check((await list.locator('table.calls tbody tr').count()) === before, 'and does not move its rows');
  await list.close();
  await page.waitForSelector('#first-call .ok', { timeout: 10000 });
  const got = await page.textContent('#first-call');
  check(got.includes('Received a call from +14155550199') && got.includes('signature valid'), `the indicator turns green by itself: ${got.trim()}`);
  await shot('setup-connect');
  await Promise.all([page.waitForNavigation(), page.click('text=Continue')]);
  await axe('setup: live');
  await Promise.all([page.waitForNavigation(), page.click('text=Start a 5-minute test')]);
  check((await page.textContent('#test-banner')).includes('Test mode on Payments hotline'), 'going live starts a test from the last step');
  // The test call checklist ticks itself as the call goes.
  check((await page.textContent('#checklist')).includes('Call +15005550077 from any phone'), 'the checklist says what to do');
  check((await page.locator('#checklist li.done').count()) === 0, 'nothing is ticked before the call');
  await axe('line in test mode');
  await placeCall(urls[0], urls[1]);
  await page.waitForFunction(() => document.querySelectorAll('#checklist li.done').length === 4, null, { timeout: 10000 });
  const ticked = await page.textContent('#checklist');
  check(ticked.includes('It rings you') && ticked.includes('The call ended: answered'), 'every step ticks itself: the call rang the tester, who answered');
  await shot('test-checklist');

  // A call still in progress updates its own page: the provider's webhooks, signed with the
  // line's auth token as Twilio signs them, say it rings, then that the caller hung up.
  const sid = 'CA1ive00000000000000000000000000001';
  const call = { AccountSid: 'AC00000000000000000000000000000001', ApiVersion: '2010-04-01', CallSid: sid, Direction: 'inbound', From: '+14155550142', To: '+15005550077' };
  await twilio(urls[0], { ...call, CallStatus: 'ringing' });
  await page.goto(`${p.base}/calls?test=true&caller=5550142`);
  await Promise.all([page.waitForNavigation(), page.click('table.calls tbody tr td:first-child a')]);
  const live = page.url();
  check((await page.textContent('#call-live')).includes('In progress'), 'the call is shown in progress');
  await axe('call in progress');
  await twilio(urls[1], { ...call, CallStatus: 'completed', CallDuration: '9' });
  await page.waitForFunction(() => !document.querySelector('#call-live').textContent.includes('In progress'), null, { timeout: 10000 });
  check(page.url() === live, 'it changed on the page by itself, without a reload');
  const ended = (await page.textContent('#call-live')).replace(/\s+/g, ' ');
  check(/Abandoned/.test(ended), `the page now says how it ended: ${ended.slice(0, 160)}`);
}

/** POSTs `params` to `url` as Twilio does, signed with the line's auth token. */
async function twilio(url, params) {
  const keys = Object.keys(params).sort();
  const data = url + keys.map((k) => k + params[k]).join('');
  const signature = createHmac('sha1', 'line-auth-token').update(data).digest('base64');
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: new URLSearchParams(params).toString() });
  check(r.ok, `the provider's webhook is taken (${r.status})`);
}

/** The API reference page: every operation listed, its links lead to the operation and to
 * the schemas it answers with, and it passes axe. */
async function reference() {
  await page.goto(`${p.base}/api/v1/reference`);
  const listed = await page.locator('nav[aria-label="Operations"] li li a').count();
  check(listed === p.operations, `the contents list every operation (${listed} of ${p.operations})`);
  await axe('API reference');
  await shot('api-reference');
  await page.click('nav[aria-label="Operations"] a[href="#post--lines"]');
  check(page.url().endsWith('#post--lines'), 'a listed operation is a link to it');
  const op = page.locator('article[aria-labelledby="post--lines"]');
  check((await op.textContent()).includes('LineInput'), 'POST /lines names its body, LineInput');
  await op.locator('a[href="#schema-LineView"]').first().click();
  check(await page.locator('#schema-LineView').isVisible(), 'its answer links to the LineView schema');
  const fields = await page.locator('article[aria-labelledby="schema-LineView"] tbody tr').count();
  check(fields > 20, `LineView lists its fields (${fields})`);
  check((await page.textContent('article[aria-labelledby="schema-ErrorBody"]')).includes('invalid'), 'the error envelope has its example');
}

try {
  if (scenario === 'owner') await owner();
  else if (scenario === 'reference') await reference();
  else if (scenario === 'setup') await setup();
  else if (scenario === 'admin') await admin();
  else if (scenario === 'stranger') await stranger();
  else if (scenario === 'schedules') await (await import('./schedules.mjs')).schedules({ page, p, check, axe, shot, login });
  else throw new Error(`unknown scenario ${scenario}`);
} catch (e) {
  console.log(`FAILED: ${e.message}`);
  const text = await page.evaluate(() => document.body.innerText).catch(() => '');
  console.log(`on ${page.url()}:\n${text.slice(0, 1500)}`);
  for (const r of responses.filter((x) => x.status >= 400 || x.url.includes('check-number')).slice(-5)) console.log(`answered ${r.status}: ${r.url}`);
  console.log(`csp: ${cspViolations.join(' | ')}`);
  await browser.close();
  process.exit(1);
}
await browser.close();
