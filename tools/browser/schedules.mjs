// The schedule pages in Chromium, for crates/server/tests/api/browser_schedules.rs: the list,
// a schedule's timeline (week and month, highlight my shifts, the gap drawn and linked), the
// override form from "Cover this gap" with its preview, the agenda on a phone-sized screen,
// and the layer editor. Run through dashboard.mjs (scenario `schedules`), which gives the page
// and its checks (axe-core on every page, no Content-Security-Policy violation).
export async function schedules({ page, p, check, axe, shot, login }) {
  await page.goto(`${p.base}/schedules`);
  await login(p.email, p.password);
  check(new URL(page.url()).pathname === '/schedules', 'after logging in, the schedules list');
  check((await page.textContent('.cards')).includes('Ann until Fri 27 Nov 17:00'), 'the list says who is on call now and until when');
  await axe('schedules');
  await shot('schedules');

  await page.click('.cards a:has-text("Primary")');
  check((await page.textContent('#on-call-now')).trim() === 'Ann until Fri 27 Nov 17:00', 'the page says who is on call now');
  await axe('schedule');
  const gap = page.locator('svg.lane a[aria-label^="No one on call from Fri 27 Nov 17:00 to Mon 30 Nov 09:00"]').first();
  const box = await gap.boundingBox();
  const lane = await page.locator('svg.lane').first().boundingBox();
  // The week is 7 days of 24 h; the gap in it runs 55 h, from Friday 17:00 to the week's end.
  const expected = lane.width * (55 / 168);
  check(box && Math.abs(box.width - expected) < 3, `the weekend gap is drawn to scale (${box && box.width} of ${expected})`);
  check(await page.locator('line.now-line').count() > 0, 'the now-line is drawn');
  await shot('schedule-week');

  await page.click('a:has-text("Highlight my shifts")');
  check(new URL(page.url()).searchParams.get('me') === '1', 'highlighting is in the URL');
  check(await page.locator('svg.item.mine').count() > 0, "the viewer's shifts are marked");

  await page.click('#timeline nav a:has-text("Month")');
  check(new URL(page.url()).searchParams.get('view') === 'month', 'the month view is in the URL');
  check((await page.textContent('#timeline-title')).includes('Sun 1 Nov 2026 to Mon 30 Nov 2026'), 'the month runs from the 1st to the 30th');
  await axe('schedule month');
  await page.click('#timeline nav a:has-text("Later")');
  check(new URL(page.url()).searchParams.get('start') === '2026-12-01', 'later moves to the next month, as a date in the URL');

  // The `o` key takes the keyboard to the override form.
  await page.goto(`${p.base}/schedules/${p.schedule}`);
  await page.keyboard.press('o');
  check(await page.evaluate(() => document.activeElement && document.activeElement.dataset.shortcut === 'o'), 'the o key focuses the override form');

  // Cover the weekend gap: the form is filled from the gap; the preview shows the result.
  await page.goto(`${p.base}/schedules/${p.schedule}`);
  await page.click('#coverage a:has-text("Cover this gap")');
  check(await page.inputValue('#o-start') === '2026-11-27T17:00', 'the override starts where the gap does');
  check(await page.inputValue('#o-end') === '2026-11-30T09:00', 'and ends where it ends');
  // Choosing who redraws the preview by itself (htmx, on change); the button does the same
  // without script.
  await page.selectOption('#o-user', { label: 'Bob' });
  await page.waitForSelector('#preview .preview-list li', { timeout: 15000 });
  check((await page.textContent('#preview')).includes('Bob from Fri 27 Nov 17:00'), 'the preview draws Bob in the gap as soon as he is chosen');
  check(new URL(page.url()).searchParams.get('cover_start') !== null, 'the page did not reload for it');
  await page.click('button:has-text("Preview")');
  check((await page.textContent('#preview')).includes('Bob from Fri 27 Nov 17:00'), 'the Preview button shows the same');
  await axe('override preview');
  await shot('override-preview');
  await page.click('button:has-text("Save the override")');
  check((await page.textContent('#overrides')).includes('Bob replaces everyone'), 'the override is listed');
  check(!(await page.textContent('#coverage')).includes('Fri 27 Nov 17:00'), 'the gap is gone from the coverage list');

  // A phone-sized screen: the agenda instead of the grid.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${p.base}/schedules/${p.schedule}`);
  check(!(await page.locator('.grid').isVisible()), 'the grid is not shown on a narrow screen');
  check(await page.locator('.agenda').isVisible(), 'the agenda is');
  check((await page.textContent('.agenda')).includes('Bob · from 17:00'), 'the agenda says when Bob starts on Friday');
  await axe('schedule on a phone');
  await shot('schedule-phone');
  await page.setViewportSize({ width: 1280, height: 900 });

  // The layer editor says the rotation in words, with the next handoffs of what is typed.
  await page.click('a:has-text("Edit weekdays")');
  await axe('layer editor');
  await page.fill('#l-every', '2');
  await page.click('button:has-text("Check the handoffs")');
  check((await page.textContent('#words')).includes('Hands off every 2 weeks on Monday at 09:00 Europe/Berlin'), 'the layer in words');
  check((await page.locator('#words ol li').count()) === 3, 'the next three handoffs');
  await shot('layer-editor');
}
