// Moves the keyboard focus once per new data.count to the first enabled, visible button of
// the element keyed data.key (cnnlab/ui/focus.py).

export default function ({ data }) {
  if (!data || !data.count || window.__cnnlabFocused === data.count) return;
  window.__cnnlabFocused = data.count;
  const target = () => {
    for (const box of document.querySelectorAll('.st-key-' + CSS.escape(data.key))) {
      if (box.dataset.stale === 'true') continue;
      for (const b of box.querySelectorAll('button')) if (!b.disabled && b.getBoundingClientRect().width > 0) return b;
    }
    return null;
  };
  const start = document.activeElement;  // the arrow just pressed, if it is still there
  let placed = null, steady = 0;
  const tick = (left) => {
    const control = target(), active = document.activeElement;
    const free = !active || active === document.body || active === start || active === placed || (placed && !placed.isConnected);
    if (control && active !== control && free) { control.focus(); placed = control; steady = 0; }
    else if (control && active === control) steady += 1;
    if (left > 0 && steady < 10 && (placed === null || document.activeElement === placed || !placed.isConnected))
      setTimeout(() => tick(left - 1), 50);
  };
  tick(80);
}
