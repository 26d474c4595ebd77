// A drawing pad: mouse, pen and touch (pointer events) on a canvas of PAD x PAD pad
// pixels, drawn at any CSS width. Strokes are sent to Python when a stroke ends, on
// undo and on clear (a state value: [{w: width, p: [[x, y], ...]}, ...]); Python checks
// and rasterises them (cnnlab/drawing.py). The pad keeps its own strokes across reruns.

import { mount } from "./shared.js";

const PAD = 280;

function build(parent, data) {
  const root = mount(parent, "dp",
    '<canvas class="dp-canvas" width="280" height="280"></canvas>' +
    '<div class="dp-row"><label class="dp-width"><span></span><input type="range" min="6" max="48" step="2"></label>' +
    '<button type="button" class="dp-undo"></button><button type="button" class="dp-clear"></button></div>');
  root.__strokes = Array.isArray(data.strokes) ? data.strokes : [];
  const canvas = root.querySelector(".dp-canvas");
  const width = root.querySelector(".dp-width input");
  width.value = data.width || 20;
  let current = null;
  const at = (event) => {
    const box = canvas.getBoundingClientRect();
    const x = ((event.clientX - box.left) / box.width) * PAD, y = ((event.clientY - box.top) / box.height) * PAD;
    return [Math.round(x * 10) / 10, Math.round(y * 10) / 10];
  };
  const send = () => root.__setState("strokes", root.__strokes);
  canvas.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    current = { w: +width.value, p: [at(event)] };
    root.__strokes.push(current);
    paint(root);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!current) return;
    for (const e of event.getCoalescedEvents ? event.getCoalescedEvents() : [event]) current.p.push(at(e));
    paint(root);
  });
  const end = () => {
    if (!current) return;
    current = null;
    send();
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  root.querySelector(".dp-undo").addEventListener("click", () => { root.__strokes.pop(); paint(root); send(); });
  root.querySelector(".dp-clear").addEventListener("click", () => { root.__strokes = []; paint(root); send(); });
  return root;
}

function paint(root) {
  const canvas = root.querySelector(".dp-canvas");
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, PAD, PAD);
  ctx.strokeStyle = ctx.fillStyle = "#fff";
  ctx.lineCap = ctx.lineJoin = "round";
  for (const s of root.__strokes) {
    ctx.lineWidth = s.w;
    ctx.beginPath();
    ctx.moveTo(s.p[0][0], s.p[0][1]);
    for (const [x, y] of s.p.length > 1 ? s.p.slice(1) : s.p) ctx.lineTo(x, y);
    ctx.stroke();
  }
  root.querySelector(".dp-undo").disabled = root.querySelector(".dp-clear").disabled = !root.__strokes.length;
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  const root = parentElement.querySelector(".dp") || build(parentElement, data);
  root.__setState = setStateValue;
  const w = data.words || {};
  root.querySelector(".dp-width span").textContent = w.width || "brush";
  root.querySelector(".dp-undo").textContent = w.undo || "undo";
  root.querySelector(".dp-clear").textContent = w.clear || "clear";
  root.querySelector(".dp-canvas").setAttribute("aria-label", w.pad || "drawing pad");
  paint(root);
}
