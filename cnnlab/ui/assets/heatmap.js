// A mosaic heatmap on a canvas (payload format: cnnlab/heatmaps.py). The DOM is built
// once per component instance; later runs only repaint it with the new payload, so a
// control change costs a putImageData and a scaled drawImage instead of a chart rebuild.

import { mount, textDiv, formatNumber } from "./shared.js";

// float16 little-endian (Uint16Array) -> Float32Array (large mosaics send their values as float16)
function halves(h) {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) {
    const x = h[i], sign = x & 0x8000 ? -1 : 1, e = (x >> 10) & 0x1f, m = x & 0x3ff;
    out[i] = e === 0 ? sign * m * 2 ** -24 : e === 31 ? (m ? NaN : sign * Infinity) : sign * (1 + m / 1024) * 2 ** (e - 15);
  }
  return out;
}

// The blob of cnnlab.heatmaps.pack, as Streamlit hands the bytes over (a Uint8Array
// viewing the message, or any other view or buffer) -> [header, blob as a Uint8Array
// starting at a multiple of 4 bytes]: the header's fields, and each of its `arrays` as a
// typed array viewing the blob (colours, tint and colour table Uint8Array, values
// Float32Array, or Uint16Array of float16 bits, exact_index Int32Array), little-endian as
// every browser's typed arrays are.
const TYPES = { u1: Uint8Array, f2: Uint16Array, f4: Float32Array, i4: Int32Array };
function unpack(data) {
  let blob = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (blob.byteOffset % 4) blob = blob.slice();  // a Float32Array must start at a multiple of 4
  const n = new DataView(blob.buffer, blob.byteOffset, 4).getUint32(0, true);
  const d = JSON.parse(new TextDecoder().decode(blob.subarray(4, 4 + n)));
  for (const [name, [type, offset, shape]] of Object.entries(d.arrays)) {
    const count = shape.reduce((a, b) => a * b, 1);
    d[name] = new TYPES[type](blob.buffer, blob.byteOffset + 4 + n + offset, count);
  }
  delete d.arrays;
  for (const name of d.filtered || []) d[name] = unsub(d[name], d.width);
  return [d, blob];
}

// Undo pack's Sub filter (each cell minus its left neighbour, mod 256): a running sum
// along each row of `width` cells, into a new array (the blob may be handed over again).
function unsub(filtered, width) {
  const out = new Uint8Array(filtered.length);
  for (let start = 0; start < filtered.length; start += width) {
    let run = 0;
    for (let i = start; i < start + width; i++) out[i] = run = (run + filtered[i]) & 255;
  }
  return out;
}

// A large mosaic's hover values come as a file of their own (values_url), fetched when the
// pointer first reaches the mosaic; the newest few are kept, by URL (a URL names its content).
const REMOTE = new Map(), REMOTE_KEPT = 8;
function remoteValues(url) {
  const got = REMOTE.get(url);
  return got instanceof Float32Array ? got : null;
}
function fetchValues(root) {
  const url = root.__sent && root.__sent.values_url;
  if (!url || REMOTE.has(url)) return;
  REMOTE.set(url, "loading");
  fetch(new URL("." + url, document.baseURI)).then((r) => {
    if (!r.ok) throw new Error(String(r.status));
    return r.arrayBuffer();
  }).then((buffer) => {
    REMOTE.set(url, hoverValues(unpack(buffer)[0]));
    while (REMOTE.size > REMOTE_KEPT) REMOTE.delete(REMOTE.keys().next().value);
    if (root.__sent && root.__sent.values_url === url) paint(root, root.__sent);
  }).catch(() => REMOTE.delete(url));  // the next hover asks again
}

// The hover values: float32, or float16 with the cells float16 cannot write laid over exactly.
function hoverValues(d) {
  if (d.values_bits !== 16) return d.values;
  const values = halves(d.values);
  if (d.exact) {
    const index = d.exact_index, exact = d.exact_value;
    for (let k = 0; k < index.length; k++) values[index[k]] = exact[k];
  }
  return values;
}

// Colour indices -> RGBA through the colour table, the highlight blended into tinted
// cells, gutters transparent (cnnlab.heatmaps.to_rgba is the same in NumPy).
function rgba(d, colors, tint) {
  const lut = d.lut;
  const a = d.tint_alpha, hex = d.highlight;
  const t = [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16));
  const out = new Uint8ClampedArray(colors.length * 4);
  for (let i = 0; i < colors.length; i++) {
    const k = colors[i], o = 4 * i;
    if (k === 255) continue; // a gutter: left transparent
    for (let c = 0; c < 3; c++) {
      const v = lut[3 * k + c];
      out[o + c] = tint && tint[i] ? Math.floor((1 - a) * v + a * t[c] + 0.5) : v;
    }
    out[o + 3] = 255;
  }
  return out;
}

// The mosaic laid out `columns` maps wide (a narrow screen): colours, values, tint and
// boxes moved map by map; the payload's other fields kept.
function retile(d, colors, values, tint, columns) {
  const t = d.tile, H = t.h + 1, W = t.w + 1, rows = Math.ceil(t.count / columns);
  const width = columns * W - 1, height = rows * H - 1;
  const c2 = new Uint8Array(width * height).fill(255), v2 = values && new Float32Array(width * height).fill(NaN);
  const t2 = tint ? new Uint8Array(width * height) : null;
  for (let m = 0; m < t.count; m++) {
    const r0 = Math.floor(m / t.columns) * H, q0 = (m % t.columns) * W;
    const r1 = Math.floor(m / columns) * H, q1 = (m % columns) * W;
    for (let i = 0; i < t.h; i++) {
      for (let j = 0; j < t.w; j++) {
        const a = (r0 + i) * d.width + q0 + j, b = (r1 + i) * width + q1 + j;
        c2[b] = colors[a];
        if (v2) v2[b] = values[a];
        if (t2) t2[b] = tint[a];
      }
    }
  }
  const boxes = d.boxes.map(([top, left, bottom, right]) => {
    const m = Math.floor(top / H) * t.columns + Math.floor(left / W);
    const dr = Math.floor(m / columns) * H - Math.floor(top / H) * H, dc = (m % columns) * W - Math.floor(left / W) * W;
    return [top + dr, left + dc, bottom + dr, right + dc];
  });
  return [{ ...d, width, height, boxes, tile: { ...t, columns } }, c2, v2, t2];
}

// How many maps a row: the server's columns while every map shows at least MIN_MAP_PX
// wide in `avail` CSS pixels; on a screen too narrow for that (a phone), as many as fit
// at GOOD_MAP_PX each.
const MIN_MAP_PX = 48, GOOD_MAP_PX = 64;
function fittingColumns(d, avail) {
  const t = d.tile;
  if (!t || t.count < 2 || !avail || Math.min(d.px, avail / d.width) * t.w >= MIN_MAP_PX) return t ? t.columns : 1;
  const cell = GOOD_MAP_PX / t.w;
  const fit = Math.max(1, Math.min(t.columns, Math.floor((avail + 1) / ((t.w + 1) * cell))));
  // a colour input's kernels keep each map's channels side by side in one row
  return d.group > 1 ? Math.max(Math.min(t.columns, d.group), Math.floor(fit / d.group) * d.group) : fit;
}

function build(parent) {
  const root = mount(parent, "hm",
    '<div class="hm-plot"><canvas class="hm-canvas" role="img"></canvas><div class="hm-cell" hidden></div>' +
    '<div class="hm-tip" hidden></div></div>' +
    '<div class="hm-bar" hidden><span class="hm-max"></span><div class="hm-ramp"><span class="hm-mid"></span></div>' +
    '<span class="hm-min"></span></div>');
  const canvas = root.querySelector(".hm-canvas");
  const tip = root.querySelector(".hm-tip");
  const outline = root.querySelector(".hm-cell");
  // mosaic cell (row, col) -> what it shows, or null in a gutter or outside
  const describe = (row, col) => {
    const d = root.__payload;
    if (row < 0 || col < 0 || row >= d.height || col >= d.width) return null;
    const t = d.tile;
    const map = Math.floor(row / (t.h + 1)) * t.columns + Math.floor(col / (t.w + 1));
    if (row % (t.h + 1) === t.h || col % (t.w + 1) === t.w || map >= t.count) return null;  // a gutter
    const v = root.__values ? root.__values[row * d.width + col] : undefined;  // undefined: still coming
    if (Number.isNaN(v)) return null;
    return { mosaicRow: row, mosaicCol: col, map, row: row % (t.h + 1), column: col % (t.w + 1), value: v };
  };
  const cellAt = (event) => {
    const d = root.__payload, box = canvas.getBoundingClientRect();
    return describe(Math.floor(((event.clientY - box.top) / box.height) * d.height),
                    Math.floor(((event.clientX - box.left) / box.width) * d.width));
  };
  const plot = root.querySelector(".hm-plot");
  const show = (cell) => {
    const d = root.__payload;
    root.__cursor = cell;
    if (!cell) { tip.hidden = outline.hidden = true; return; }
    const box = canvas.getBoundingClientRect(), frame = plot.getBoundingClientRect();
    const size = box.width / d.width;  // on screen, zoom included
    const left = box.left - frame.left + cell.mosaicCol * size, top = box.top - frame.top + cell.mosaicRow * size;
    Object.assign(outline.style, { left: `${left}px`, top: `${top}px`, width: `${size}px`, height: `${size}px` });
    outline.hidden = false;
    const w = d.words || {};
    const word = (k) => w[k] || k;
    const lines = [];
    if (d.item && d.group > 1) lines.push(`${word("map")} ${Math.floor(cell.map / d.group)}, ${word("channel")} ${cell.map % d.group}`);
    else if (d.item) lines.push(`${word(d.item)} ${cell.map}`);
    lines.push(`${word("row")} ${cell.row}, ${word("column")} ${cell.column}`);
    if (cell.value === undefined) lines.push(`${word(d.label)} …`);
    else {
      if (d.raw) lines.push(`${word("raw")} ${Math.round(cell.value * 255)} / 255`);
      lines.push(`${word(d.label)} ${formatNumber(cell.value)}`);
    }
    if (d.pick) {  // the inspected cell (or the one just tapped or clicked) says so, not "tap to inspect"
      const at = root.__picking || d.inspected;
      const done = at && at[0] === cell.map && at[1] === cell.row && at[2] === cell.column;
      lines.push(done ? w.inspected || "inspected" : root.__touch ? w.tap || "tap to inspect" : w.click || "click to inspect");
    }
    tip.replaceChildren(...lines.map((text) => textDiv(text)));
    tip.hidden = false;
    const x = left + size / 2, y = top + size / 2;
    const flip = x > plot.clientWidth - 150;
    tip.style.left = `${flip ? x - 12 - tip.offsetWidth : x + 12}px`;
    tip.style.top = `${y + 12}px`;
  };
  const pick = (cell) => {
    if (cell && root.__payload.pick && root.__setTrigger) {
      root.__setTrigger("pick", { map: cell.map, row: cell.row, column: cell.column });
      root.__picking = [cell.map, cell.row, cell.column];  // until the page answers with it inspected
      root.__refresh();
    }
  };
  // pointer events: a mouse hovers, a finger or pen shows the label where it touches
  // a finger or a pen says "tap", a mouse "click"
  const point = (event) => { root.__touch = event.pointerType !== "mouse"; fetchValues(root); show(cellAt(event)); };
  canvas.addEventListener("pointerenter", () => fetchValues(root));
  canvas.addEventListener("pointermove", point);
  canvas.addEventListener("pointerdown", point);
  // a touch ends with pointerleave: keep its label until the next touch
  canvas.addEventListener("pointerleave", (event) => {
    if (event.pointerType === "mouse") show(null);
  });
  canvas.addEventListener("click", (event) => { if (!root.__dragged) pick(cellAt(event)); });
  // zoom and pan: Ctrl/Cmd + wheel or a trackpad pinch zooms at the cursor, two fingers
  // pinch, a drag pans once zoomed in, a double click resets; hover and click read the
  // zoomed canvas through its on-screen box, so they go on naming the right cell.
  root.__zoom = { s: 1, x: 0, y: 0 };
  const apply = () => {
    const z = root.__zoom, w = canvas.clientWidth, h = canvas.clientHeight;
    z.s = Math.min(32, Math.max(1, z.s));
    z.x = Math.min(0, Math.max(w - w * z.s, z.x));
    z.y = Math.min(0, Math.max(h - h * z.s, z.y));
    canvas.style.transform = z.s === 1 ? "" : `translate(${z.x}px, ${z.y}px) scale(${z.s})`;
    canvas.style.touchAction = z.s > 1 ? "none" : "pan-y";  // zoomed in, one finger pans the map
    root.dataset.zoom = String(z.s);
    root.__refresh && root.__refresh();
  };
  const zoomAt = (clientX, clientY, factor) => {
    const z = root.__zoom, frame = plot.getBoundingClientRect();
    const px = clientX - frame.left, py = clientY - frame.top, s = Math.min(32, Math.max(1, z.s * factor));
    z.x = px - ((px - z.x) * s) / z.s;
    z.y = py - ((py - z.y) * s) / z.s;
    z.s = s;
    apply();
  };
  canvas.addEventListener("wheel", (event) => {
    if (!event.ctrlKey && !event.metaKey) return;  // a plain wheel scrolls the page
    event.preventDefault();
    zoomAt(event.clientX, event.clientY, Math.exp(-event.deltaY / 200));
  }, { passive: false });
  canvas.addEventListener("dblclick", () => { root.__zoom = { s: 1, x: 0, y: 0 }; apply(); });
  root.__apply = apply;
  // a new width: laid out again if another number of maps fits a row, else the colour bar refitted
  if (window.ResizeObserver) {
    new ResizeObserver(() => {
      const d = root.__sent;
      if (d && fittingColumns(d, availableWidth(root, d)) !== root.__payload.tile.columns) paint(root, d);
      else fitBar(root);
    }).observe(root);
  }
  const pointers = new Map();
  let last = null;
  canvas.addEventListener("pointerdown", (event) => {
    pointers.set(event.pointerId, [event.clientX, event.clientY]);
    root.__dragged = false;
    last = pointers.size === 2 ? [...pointers.values()] : [event.clientX, event.clientY];
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!pointers.has(event.pointerId)) return;
    pointers.set(event.pointerId, [event.clientX, event.clientY]);
    if (pointers.size === 2 && Array.isArray(last[0])) {  // pinch
      const [a, b] = [...pointers.values()], [a0, b0] = last;
      const d = Math.hypot(a[0] - b[0], a[1] - b[1]), d0 = Math.hypot(a0[0] - b0[0], a0[1] - b0[1]) || 1;
      zoomAt((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, d / d0);
      last = [a, b];
      root.__dragged = true;
    } else if (pointers.size === 1 && root.__zoom.s > 1 && !Array.isArray(last[0])) {  // pan
      const dx = event.clientX - last[0], dy = event.clientY - last[1];
      if (Math.abs(dx) + Math.abs(dy) > 3 || root.__dragged) {
        root.__zoom.x += dx; root.__zoom.y += dy; apply();
        last = [event.clientX, event.clientY];
        root.__dragged = true;
      }
    }
  });
  for (const type of ["pointerup", "pointercancel"]) canvas.addEventListener(type, (event) => pointers.delete(event.pointerId));
  root.__refresh = () => root.__cursor && show(describe(root.__cursor.mosaicRow, root.__cursor.mosaicCol));
  // keyboard: Tab to a heatmap, arrows move cell by cell (over gutters), Enter inspects
  canvas.tabIndex = 0;
  canvas.addEventListener("focus", () => show(root.__cursor || describe(0, 0)));
  canvas.addEventListener("blur", () => show(null));
  canvas.addEventListener("keydown", (event) => {
    const steps = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const here = root.__cursor || describe(0, 0);
    if ((event.key === "Enter" || event.key === " ") && here) { event.preventDefault(); pick(here); return; }
    if (!steps[event.key] || !here) return;
    event.preventDefault();
    const [dr, dc] = steps[event.key], d = root.__payload;
    let r = here.mosaicRow + dr, c = here.mosaicCol + dc;
    while (r >= 0 && c >= 0 && r < d.height && c < d.width && !describe(r, c)) { r += dr; c += dc; }
    const next = describe(r, c);
    if (next) show(next);
  });
  return root;
}

// CSS pixels the mosaic may take: the component's width less the colour bar's.
function availableWidth(root, d) {
  return Math.max(0, root.clientWidth - (d.colorbar ? 60 : 0));  // .hm is a block: its container's width
}

// The colour bar as tall as the mosaic is drawn (a narrow screen shrinks the canvas), at most 240 px;
// a small mosaic's bar (a 1 x 1 map) grows to hold its two labels and the ramp's 40 px, so it
// never spills over what lies below the heatmap: its height is a minimum, never fixed.
function fitBar(root) {
  const canvas = root.querySelector(".hm-canvas"), bar = root.querySelector(".hm-bar");
  bar.style.minHeight = `${Math.min(canvas.clientHeight || 0, 240)}px`;
}

function paint(root, sent) {
  root.__sent = sent;
  let d = sent, colors = sent.colors, tint = sent.tint || null;
  let values = sent.values_url ? remoteValues(sent.values_url) : hoverValues(sent);
  const avail = availableWidth(root, sent), columns = fittingColumns(sent, avail);
  if (columns < sent.tile.columns) {
    [d, colors, values, tint] = retile(sent, colors, values, tint, columns);
    d.px = Math.min(24, avail / d.width);  // fills the width (a fraction is fine)
  }
  root.__payload = d;
  root.__values = values;  // null while a large mosaic's values are not fetched yet
  root.__colors = colors;
  root.dataset.columns = String(d.tile.columns);
  const canvas = root.querySelector(".hm-canvas");
  const w = d.width * d.px, h = d.height * d.px;
  // crisp boxes on HiDPI screens, unless the canvas would pass 4 million device pixels
  const ratio = Math.max(1, Math.min(3, Math.round(window.devicePixelRatio || 1)));
  const dpr = w * h * ratio * ratio > 4e6 ? 1 : ratio;
  if (canvas.width !== Math.round(w * dpr)) canvas.width = Math.round(w * dpr);
  if (canvas.height !== Math.round(h * dpr)) canvas.height = Math.round(h * dpr);
  canvas.style.width = `${w}px`;
  canvas.dataset.rows = d.height;
  canvas.dataset.cols = d.width;
  canvas.style.cursor = d.pick ? "pointer" : "crosshair";
  const word = (k) => (d.words && d.words[k]) || k;
  canvas.setAttribute("aria-label", `${d.tile.count} x ${word(d.item || "map")} ${d.tile.h} x ${d.tile.w}`);
  const cells = document.createElement("canvas");
  cells.width = d.width;
  cells.height = d.height;
  cells.getContext("2d").putImageData(new ImageData(rgba(d, colors, tint), d.width, d.height), 0, 0);
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(cells, 0, 0, w, h);
  const line = Math.max(1.5, Math.min(3, d.px / 3));
  ctx.strokeStyle = d.highlight;
  root.querySelector(".hm-cell").style.borderColor = d.highlight;
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
    const [top, middle, bottom] = d.colorbar.labels;  // what the ends (and a diverging white) mean
    root.querySelector(".hm-max").textContent = top;
    root.querySelector(".hm-mid").textContent = middle || "";
    root.querySelector(".hm-min").textContent = bottom;
    fitBar(root);
  }
  root.__apply();  // a new size: the zoom stays within it
  root.dataset.painted = String((+root.dataset.painted || 0) + 1);
  root.__refresh(); // a label on show now reads the new values
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const root = parentElement.querySelector(".hm") || build(parentElement);
  root.__setTrigger = setTriggerValue;
  if (data) {
    root.__picking = null;  // the page's answer names the inspected cell
    const [payload, blob] = unpack(data);
    root.__blob = blob;
    paint(root, payload);
  }
}
