// Switchboard's pages work without this file; it only adds conveniences.
// Copy buttons: <button data-copy="TEXT">. The text is copied and the button says so.
document.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-copy]');
  if (!button || !navigator.clipboard) return;
  event.preventDefault();
  navigator.clipboard.writeText(button.dataset.copy).then(() => {
    const was = button.textContent;
    button.textContent = 'Copied';
    setTimeout(() => { button.textContent = was; }, 1500);
  });
});
// Copy buttons exist only where copying can work.
document.addEventListener('DOMContentLoaded', () => {
  if (!navigator.clipboard) return;
  for (const b of document.querySelectorAll('button[data-copy][hidden]')) b.hidden = false;
});
// Keyboard shortcuts: an element with data-shortcut="o" is focused (and shown) when that key
// is pressed outside a field, e.g. the schedule page's override form.
document.addEventListener('keydown', (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
  const t = event.target;
  if (t.closest && t.closest('input, textarea, select, [contenteditable]')) return;
  const target = document.querySelector(`[data-shortcut="${CSS.escape(event.key)}"]`);
  if (!target) return;
  event.preventDefault();
  target.scrollIntoView({ block: 'start' });
  target.focus();
});
