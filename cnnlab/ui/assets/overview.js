// The whole network as one strip, as NNC draws it: a box per layer (its kind, output
// shape, costs and a small preview of its first map), arrows between. A click on a
// layer's box (or Enter on it) selects that layer for editing and inspecting.

import { bytes, mount, textDiv } from "./shared.js";

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  if (!data) return;
  let root = parentElement.querySelector(".ov");
  if (!root) {
    root = mount(parentElement, "ov", "");
    root.setAttribute("role", "list");
  }
  const items = [];
  data.layers.forEach((layer, k) => {
    if (k > 0) {
      const arrow = textDiv("→", "ov-arrow");
      arrow.setAttribute("aria-hidden", "true");
      items.push(arrow);
    }
    const box = document.createElement(layer.index > 0 && !layer.error ? "button" : "div");
    box.className = "ov-box" + (layer.index === data.selected ? " ov-selected" : "") + (layer.error ? " ov-error" : "");
    box.setAttribute("role", "listitem");
    box.dataset.layer = String(layer.index);
    if (layer.index > 0) box.title = data.words.select;
    box.append(textDiv(layer.index > 0 ? `${layer.index}. ${layer.name}` : layer.name, "ov-name"),
               textDiv(layer.shape, "ov-shape"));
    if (layer.preview) {
      const p = layer.preview, canvas = document.createElement("canvas");
      canvas.width = p.width; canvas.height = p.height;
      canvas.className = "ov-preview";
      canvas.getContext("2d").putImageData(new ImageData(new Uint8ClampedArray(bytes(p.rgba).buffer), p.width, p.height), 0, 0);
      const scale = Math.max(1, Math.floor(48 / Math.max(p.width, p.height)));
      canvas.style.width = `${p.width * scale}px`;
      canvas.style.height = `${p.height * scale}px`;
      box.append(canvas);
    }
    if (layer.costs) box.append(textDiv(layer.costs, "ov-costs"));
    if (box.tagName === "BUTTON") {
      box.type = "button";
      box.addEventListener("click", () => setTriggerValue("select", layer.index));
    }
    items.push(box);
  });
  root.replaceChildren(...items);
  root.dataset.selected = String(data.selected);
}
