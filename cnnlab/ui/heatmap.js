// A mosaic heatmap on a canvas (payload format: cnnlab/heatmaps.py). The DOM is built
// once per component instance; later runs only repaint it with the new payload, so a
// control change costs a putImageData and a scaled drawImage instead of a chart rebuild.

const HIGHLIGHT = "#ffb000";

function bytes(b64) {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function fmt(v) {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : String(+v.toPrecision(3));
}

function build(parent) {
  const root = document.createElement("div");
  root.className = "hm";
  root.innerHTML =
    '<div class="hm-plot"><canvas class="hm-canvas"></canvas><div class="hm-tip" hidden></div></div>' +
    '<div class="hm-bar" hidden><span class="hm-max"></span><div class="hm-ramp"></div><span class="hm-min"></span></div>';
  parent.appendChild(root);
  const canvas = root.querySelector(".hm-canvas");
  const tip = root.querySelector(".hm-tip");
  const cellAt = (event) => {
    const d = root.__payload;
    const box = canvas.getBoundingClientRect();
    const col = Math.floor(((event.clientX - box.left) / box.width) * d.width);
    const row = Math.floor(((event.clientY - box.top) / box.height) * d.height);
    if (row < 0 || col < 0 || row >= d.height || col >= d.width) return null;
    const v = root.__values[row * d.width + col];
    if (Number.isNaN(v)) return null; // a gutter
    const t = d.tile, across = col % (t.w + 1), down = row % (t.h + 1);
    const map = Math.floor(row / (t.h + 1)) * t.columns + Math.floor(col / (t.w + 1));
    return { map, row: down, column: across, value: v, x: event.clientX - box.left, y: event.clientY - box.top };
  };
  canvas.addEventListener("mousemove", (event) => {
    const d = root.__payload, cell = cellAt(event);
    if (!cell) { tip.hidden = true; return; }
    const lines = [];
    if (d.item) lines.push(`${d.item} ${cell.map}`);
    lines.push(`row ${cell.row}, column ${cell.column}`);
    if (d.raw) lines.push(`raw ${Math.round(cell.value * 255)} / 255`);
    lines.push(`${d.label} ${cell.value.toFixed(4)}`);
    tip.replaceChildren(...lines.map((text) => { const e = document.createElement("div"); e.textContent = text; return e; }));
    tip.hidden = false;
    const flip = cell.x > canvas.clientWidth - 150;
    tip.style.left = `${flip ? cell.x - 12 - tip.offsetWidth : cell.x + 12}px`;
    tip.style.top = `${cell.y + 12}px`;
  });
  canvas.addEventListener("mouseleave", () => { tip.hidden = true; });
  return root;
}

function paint(root, d) {
  root.__payload = d;
  root.__values = new Float32Array(bytes(d.values).buffer);
  const canvas = root.querySelector(".hm-canvas");
  const w = d.width * d.px, h = d.height * d.px;
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  canvas.style.width = `${w}px`;
  canvas.dataset.rows = d.height;
  canvas.dataset.cols = d.width;
  const cells = document.createElement("canvas");
  cells.width = d.width;
  cells.height = d.height;
  cells.getContext("2d").putImageData(new ImageData(new Uint8ClampedArray(bytes(d.rgba).buffer), d.width, d.height), 0, 0);
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, w, h);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(cells, 0, 0, w, h);
  const line = Math.max(1.5, Math.min(3, d.px / 3));
  ctx.strokeStyle = HIGHLIGHT;
  ctx.lineWidth = line;
  for (const [top, left, bottom, right] of d.boxes) {
    ctx.strokeRect(left * d.px + line / 2, top * d.px + line / 2,
                   (right - left + 1) * d.px - line, (bottom - top + 1) * d.px - line);
  }
  const bar = root.querySelector(".hm-bar");
  bar.hidden = !d.colorbar;
  if (d.colorbar) {
    const stops = d.colorbar.stops.slice().reverse().join(", ");
    root.querySelector(".hm-ramp").style.background = `linear-gradient(${stops})`;
    root.querySelector(".hm-max").textContent = fmt(d.colorbar.max);
    root.querySelector(".hm-min").textContent = fmt(d.colorbar.min);
    bar.style.height = `${Math.min(h, 240)}px`;
  }
  root.dataset.painted = String((+root.dataset.painted || 0) + 1);
}

export default function (component) {
  const { data, parentElement } = component;
  const root = parentElement.querySelector(".hm") || build(parentElement);
  if (data) paint(root, data);
}
