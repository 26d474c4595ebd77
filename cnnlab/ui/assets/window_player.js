// The window sliding over a layer's input (payload: cnnlab/sliding_window.py). Every step
// is computed here from data already sent: play, pause, step and the speed never ask the
// server, so the animation runs at the screen's frame rate.

import { bytes, floats, mount, textDiv, formatNumber } from "./shared.js";

const SPEEDS = [1, 2, 4, 8, 15, 30, 60]; // output cells a second; 60: one a frame

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, k) => (k in values ? values[k] : `{${k}}`));
}

function build(parent) {
  const root = mount(parent, "wp",
    '<div class="wp-controls">' +
    '<button type="button" class="wp-first"></button><button type="button" class="wp-back"></button>' +
    '<button type="button" class="wp-play"></button><button type="button" class="wp-next"></button>' +
    '<label class="wp-speed-box"><span class="wp-speed-label"></span>' +
    '<input type="range" class="wp-speed" min="0" max="6" step="1" value="3"><span class="wp-speed-text"></span></label>' +
    '<input type="range" class="wp-pos" min="0" value="0" step="1"></div>' +
    '<div class="wp-where" aria-live="polite"></div>' +
    '<div class="wp-views"><figure><figcaption class="wp-in-cap"></figcaption><canvas class="wp-in"></canvas></figure>' +
    '<figure><figcaption class="wp-out-cap"></figcaption><canvas class="wp-out"></canvas></figure>' +
    '<div class="wp-math"><div class="wp-grids"></div><div class="wp-sum"></div></div></div>');
  const $ = (s) => root.querySelector(s);
  root.__state = { step: 0, playing: false, speed: 3, last: 0, carry: 0 };
  const go = (step) => { root.__state.step = step; draw(root); };
  $(".wp-first").addEventListener("click", () => { stop(root); go(0); });
  $(".wp-back").addEventListener("click", () => { stop(root); go(Math.max(0, root.__state.step - 1)); });
  $(".wp-next").addEventListener("click", () => { stop(root); go(Math.min(root.__n - 1, root.__state.step + 1)); });
  $(".wp-play").addEventListener("click", () => (root.__state.playing ? stop(root) : play(root)));
  $(".wp-speed").addEventListener("input", (e) => { root.__state.speed = +e.target.value; labels(root); });
  $(".wp-pos").addEventListener("input", (e) => { stop(root); go(+e.target.value); });
  // a click on an output cell jumps there
  $(".wp-out").addEventListener("click", (e) => {
    const d = root.__d, box = e.target.getBoundingClientRect();
    const i = Math.floor(((e.clientY - box.top) / box.height) * d.out_height);
    const j = Math.floor(((e.clientX - box.left) / box.width) * d.out_width);
    if (i >= 0 && j >= 0 && i < d.out_height && j < d.out_width) { stop(root); go(i * d.out_width + j); }
  });
  root.tabIndex = 0;
  root.addEventListener("keydown", (e) => {
    if (e.target.tagName === "INPUT") return;
    if (e.key === " ") { e.preventDefault(); root.__state.playing ? stop(root) : play(root); }
    if (e.key === "ArrowRight") { e.preventDefault(); stop(root); go(Math.min(root.__n - 1, root.__state.step + 1)); }
    if (e.key === "ArrowLeft") { e.preventDefault(); stop(root); go(Math.max(0, root.__state.step - 1)); }
  });
  return root;
}

function labels(root) {
  const w = root.__d.words, s = root.__state, $ = (q) => root.querySelector(q);
  $(".wp-first").textContent = "|◀";
  $(".wp-first").title = w.first;
  $(".wp-back").textContent = "◀";
  $(".wp-back").title = w.back;
  $(".wp-next").textContent = "▶|";
  $(".wp-next").title = w.next;
  $(".wp-play").textContent = s.playing ? `⏸ ${w.pause}` : `▶ ${w.play}`;
  $(".wp-speed-label").textContent = w.speed;
  $(".wp-speed-text").textContent = fill(w.per_second, { n: SPEEDS[s.speed] });
  $(".wp-pos").setAttribute("aria-label", w.position);
}

function play(root) {
  const s = root.__state;
  if (s.step >= root.__n - 1) s.step = 0;
  s.playing = true;
  s.last = performance.now();
  s.carry = 0;
  labels(root);
  const tick = (now) => {
    if (!s.playing || !root.isConnected) return;
    s.carry += ((now - s.last) / 1000) * SPEEDS[s.speed];
    s.last = now;
    // at the top speed one cell a frame, whatever the frame rate
    const advance = SPEEDS[s.speed] >= 60 ? 1 : Math.floor(s.carry);
    if (advance > 0) {
      s.carry -= advance;
      s.step = Math.min(root.__n - 1, s.step + advance);
      draw(root);
      if (s.step >= root.__n - 1) { stop(root); return; }
    }
    s.frame = requestAnimationFrame(tick);
  };
  s.frame = requestAnimationFrame(tick);
}

function stop(root) {
  const s = root.__state;
  s.playing = false;
  if (s.frame) cancelAnimationFrame(s.frame);
  labels(root);
}

function offscreen(width, height) {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

// the picture of values (h, w) through the colour table at range [lo, hi]
function picture(values, h, w, lut, lo, hi) {
  const img = new ImageData(w, h);
  for (let k = 0; k < h * w; k++) {
    const v = values[k];
    if (!Number.isFinite(v)) continue;
    const t = Math.min(1, Math.max(0, (v - lo) / (hi - lo)));
    const c = Math.round(t * 254);
    img.data.set([lut[3 * c], lut[3 * c + 1], lut[3 * c + 2], 255], 4 * k);
  }
  return img;
}

// The step's window, its numbers and its result, as the layer computes it.
function compute(root, step) {
  const d = root.__d, i = Math.floor(step / d.out_width), j = step % d.out_width;
  const rows = d.rows[i], cols = d.cols[j], hw = d.height * d.width;
  const grids = [];  // the patch and products of the group's first channel (the grids shown)
  let total = 0, best = -Infinity, count = 0;
  for (let c = 0; c < d.depth; c++) {
    let sum = 0;
    const patch = [], products = [];
    for (let u = 0; u < rows.length; u++) {
      for (let v = 0; v < cols.length; v++) {
        const r = rows[u], q = cols[v];
        const inside = r >= 0 && q >= 0 && r < d.height && q < d.width;
        const x = inside ? root.__input[c * hw + r * d.width + q] : NaN;
        if (d.reduce === "sum") {
          const k = root.__kernel[(c * rows.length + u) * cols.length + v], p = (inside ? x : 0) * k;
          sum += p;
          patch.push(inside ? x : 0);
          products.push(p);
        } else {
          patch.push(x);
          if (inside) { sum += x; count += 1; if (x > best) best = x; }
        }
      }
    }
    total += sum;
    if (c === 0) grids.push({ patch, products });
  }
  let value;  // the step's result as computed here (the page writes the map's own)
  if (d.reduce === "sum") value = total + (d.bias || 0);
  else if (d.reduce === "max") value = best;
  else if (d.reduce === "sum-only") value = total;
  else if (d.reduce === "mean") value = total / d.divisors[step];
  else value = grids[0].patch[0];
  return { i, j, rows, cols, grids, total, value, count };
}

function table(values, kh, kw, title, marks) {
  let html = `<table class="wp-grid"><caption>${title}</caption>`;
  for (let u = 0; u < kh; u++) {
    html += "<tr>";
    for (let v = 0; v < kw; v++) {
      const k = u * kw + v, x = values[k];
      html += `<td${marks && marks[k] ? ' class="wp-pad"' : ""}>${Number.isNaN(x) ? "" : formatNumber(x)}</td>`;
    }
    html += "</tr>";
  }
  return html + "</table>";
}

function escape(text) {
  const e = document.createElement("span");
  e.textContent = text;
  return e.innerHTML;
}

function draw(root) {
  const d = root.__d, w = d.words, s = root.__state, $ = (q) => root.querySelector(q);
  const r = compute(root, s.step);
  // the input: every channel of the group drawn (up to 16), the window boxed on each
  const inCanvas = $(".wp-in"), px = root.__inPx, tiles = root.__tiles;
  const ctx = inCanvas.getContext("2d");
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, inCanvas.width, inCanvas.height);
  ctx.drawImage(root.__inPicture, 0, 0, inCanvas.width, inCanvas.height);
  // the window's span, kept within the one-cell frame drawn around each channel
  const clamp = (v, n) => Math.min(n, Math.max(-1, v));
  const [top, bottom] = [clamp(Math.min(...r.rows), d.height), clamp(Math.max(...r.rows), d.height)];
  const [left, right] = [clamp(Math.min(...r.cols), d.width), clamp(Math.max(...r.cols), d.width)];
  ctx.strokeStyle = d.highlight;
  ctx.fillStyle = d.highlight + "55";
  ctx.lineWidth = 2;
  for (let c = 0; c < tiles.count; c++) {
    const oy = Math.floor(c / tiles.columns) * tiles.pitchH, ox = (c % tiles.columns) * tiles.pitchW;
    // cells read (a dilated or deconvolution window reads a lattice) tinted, the span boxed
    for (const rr of r.rows) for (const cc of r.cols) {
      if (rr >= -1 && cc >= -1 && rr <= d.height && cc <= d.width) ctx.fillRect((ox + 1 + cc) * px, (oy + 1 + rr) * px, px, px);
    }
    ctx.strokeRect((ox + 1 + left) * px + 1, (oy + 1 + top) * px + 1, (right - left + 1) * px - 2, (bottom - top + 1) * px - 2);
  }
  // the output filled up to this step (the rows before it, then its row up to it), the cell boxed
  const out = root.__output, oc = $(".wp-out"), octx = oc.getContext("2d"), opx = root.__outPx;
  octx.imageSmoothingEnabled = false;
  octx.fillStyle = "rgba(128, 128, 128, 0.15)";
  octx.clearRect(0, 0, oc.width, oc.height);
  octx.fillRect(0, 0, oc.width, oc.height);
  if (r.i > 0) octx.drawImage(root.__outPicture, 0, 0, d.out_width, r.i, 0, 0, d.out_width * opx, r.i * opx);
  octx.drawImage(root.__outPicture, 0, r.i, r.j + 1, 1, 0, r.i * opx, (r.j + 1) * opx, opx);
  octx.strokeStyle = d.highlight;
  octx.lineWidth = 2;
  octx.strokeRect(r.j * opx + 1, r.i * opx + 1, opx - 2, opx - 2);
  // the numbers: the grids and lines the layer's step describes (cnnlab.explain.Step.player)
  const kh = r.rows.length, kw = r.cols.length;
  const pads = r.rows.flatMap((rr) => r.cols.map((cc) => rr < 0 || cc < 0 || rr >= d.height || cc >= d.width));
  const of = { patch: r.grids[0].patch, products: r.grids[0].products,
               kernel: root.__kernel ? Array.from(root.__kernel.subarray(0, kh * kw)) : [] };
  $(".wp-grids").innerHTML = d.grids.map((g) => table(of[g.of], kh, kw, escape(g.title), g.marks ? pads : null)).join("");
  const value = out[s.step];  // the result written is the map's own value, as everywhere on the page
  const fields = { channel: d.channels[0], depth: d.depth, cells: kh * kw, count: r.count, sum: formatNumber(r.total),
                   bias: d.bias === null ? "" : formatNumber(d.bias), divisor: d.divisors ? d.divisors[s.step] : "",
                   x: formatNumber(r.value), formula: d.formula || "", value: formatNumber(value) };
  $(".wp-sum").replaceChildren(...d.lines.map((line) => textDiv(fill(line, fields))));
  $(".wp-where").textContent = fill(w.where, { step: s.step + 1, n: root.__n, row: r.i, col: r.j });
  $(".wp-pos").value = String(s.step);
  root.dataset.step = String(s.step);
  root.dataset.window = `${r.rows[0]},${r.cols[0]}`;
  root.dataset.sum = String(r.value);
  root.dataset.frames = String((+root.dataset.frames || 0) + 1);
}

function load(root, d) {
  const changed = !root.__d || root.__d.key !== d.key;
  root.__d = d;
  root.__n = d.out_height * d.out_width;
  root.__input = floats(d.input);
  root.__output = floats(d.output);
  root.__kernel = d.kernel ? floats(d.kernel) : null;
  root.__lut = bytes(d.lut);
  // the channels tiled 4 wide with a frame of one cell (padding shows) and a gap
  const count = Math.min(d.depth, 16), columns = Math.min(count, 4), g = 1;
  const th = d.height + 2, tw = d.width + 2;
  root.__tiles = { count, columns, pitchH: th + g, pitchW: tw + g };  // a tile's size with its gap
  const rowsOfTiles = Math.ceil(count / columns);
  const cellsH = rowsOfTiles * (th + g) - g, cellsW = columns * (tw + g) - g;
  const px = Math.max(2, Math.min(14, Math.floor(320 / cellsW), Math.floor(320 / cellsH)));
  root.__inPx = px;
  const pic = offscreen(cellsW, cellsH), pctx = pic.getContext("2d"), hw = d.height * d.width;
  for (let c = 0; c < count; c++) {
    const oy = Math.floor(c / columns) * (th + g), ox = (c % columns) * (tw + g);
    pctx.fillStyle = "rgba(128, 128, 128, 0.25)";  // the frame: padding or past the border
    pctx.fillRect(ox, oy, tw, th);
    pctx.putImageData(picture(root.__input.subarray(c * hw, (c + 1) * hw), d.height, d.width, root.__lut, ...d.input_range),
                      ox + 1, oy + 1);
  }
  root.__inPicture = pic;
  const inCanvas = root.querySelector(".wp-in");
  inCanvas.width = cellsW * px; inCanvas.height = cellsH * px;
  const opx = Math.max(2, Math.min(14, Math.floor(320 / d.out_width), Math.floor(320 / d.out_height)));
  root.__outPx = opx;
  root.__outPicture = offscreen(d.out_width, d.out_height);
  root.__outPicture.getContext("2d").putImageData(
    picture(root.__output, d.out_height, d.out_width, root.__lut, ...d.output_range), 0, 0);
  const oc = root.querySelector(".wp-out");
  oc.width = d.out_width * opx; oc.height = d.out_height * opx;
  const w = d.words;
  root.querySelector(".wp-in-cap").textContent =
    d.depth > count ? fill(w.input_some, { shown: count, n: d.depth }) : w.input;
  root.querySelector(".wp-out-cap").textContent = fill(w.output, { map: d.map });
  root.querySelector(".wp-pos").max = String(root.__n - 1);
  if (changed) { stop(root); root.__state.step = Math.min(root.__n - 1, d.start || 0); }
  root.__state.step = Math.min(root.__state.step, root.__n - 1);
  labels(root);
  draw(root);
}

export default function (component) {
  const { data, parentElement } = component;
  const root = parentElement.querySelector(".wp") || build(parentElement);
  if (data) load(root, data);
}
