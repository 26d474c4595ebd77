// Helpers of the cnnlab components, imported by their modules (import { ... } from
// "./shared.js"). One function a block, blocks apart by a blank line: when a component
// is sent inline, cnnlab/ui/components.py puts the blocks it calls before its module.

// base64 -> its bytes (Uint8Array)
export function bytes(b64) {
  if (Uint8Array.fromBase64) return Uint8Array.fromBase64(b64);
  const s = atob(b64), out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

// base64 of float32 little-endian values -> Float32Array
export function floats(b64) {
  return new Float32Array(bytes(b64).buffer);
}

// A component's root: a div of class `cls` holding `html`, appended to `parent`.
export function mount(parent, cls, html) {
  const root = document.createElement("div");
  root.className = cls;
  root.innerHTML = html;
  parent.appendChild(root);
  return root;
}

// A div showing `text` as text (never as HTML), of class `cls` if given.
export function textDiv(text, cls) {
  const e = document.createElement("div");
  if (cls) e.className = cls;
  e.textContent = text;
  return e;
}

// cnnlab.explain.format_number, the page's one number format: 3 significant digits as
// Python's "{:.3g}" writes them (a tie to even, as Python rounds it: toExponential and
// toFixed round a tie up), whole numbers below a million in full, never "-0".
export function formatNumber(v) {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v + 0);
  let [mantissa, power] = v.toExponential(2).split("e");
  const digits = Math.abs(v).toExponential(20);  // 21 digits show whether v lies exactly halfway
  if (/^\d\.\d[02468]50*e/.test(digits)) [mantissa, power] = [(v < 0 ? "-" : "") + digits.slice(0, 4), digits.split("e")[1]];
  const exp = +power;
  if (exp < -4 || exp >= 3) {
    return `${mantissa.replace(/\.?0+$/, "")}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  return String(+(+`${mantissa}e${exp}`).toFixed(2 - exp) + 0);
}
