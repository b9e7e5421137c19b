/// <reference lib="dom" />
/**
 * The browser page: type English and see katakana as you type, decoded in the browser by
 * `mod.ts` itself (no server round trip), with the model, strategy and backend to choose,
 * the n-best list of the last word and its cross-attention as a heat map.
 *
 * Bundled by `deno task bundle:web` into `web/dist/app.js`. Models are fetched from
 * `models/NAME.safetensors` next to the page, or from the base URL given as `?models=URL/`.
 * `?text=…` fills the input on load. The body's `data-state` ("loading", "converting",
 * "ready", "error") and `data-converted` (the text last shown) let tests wait on the page.
 *
 * @module
 */

import {
  type Conversion,
  type Converter,
  type ConvertOptions,
  loadConverter,
  type TextConversion,
} from "../mod.ts";

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`The page lacks the element #${id}`);
  return el as T;
}

const ui = {
  input: byId<HTMLInputElement>("input"),
  kana: byId<HTMLOutputElement>("kana"),
  status: byId<HTMLParagraphElement>("status"),
  model: byId<HTMLSelectElement>("model"),
  strategy: byId<HTMLSelectElement>("strategy"),
  backend: byId<HTMLSelectElement>("backend"),
  nbest: byId<HTMLInputElement>("nbest"),
  list: byId<HTMLOListElement>("nbest-list"),
  canvas: byId<HTMLCanvasElement>("attention"),
};

const params = new URLSearchParams(location.search);
const modelBase = new URL(params.get("models") ?? "models/", location.href);
const PLACEHOLDERS: Record<string, string> = {
  c2k: "Type English, e.g. computer",
  p2k: "Type ARPAbet, e.g. K AH0 M P Y UW1 T ER0",
};

// Loaded converters by "model/backend"; a failed load is forgotten so that it can be retried.
const converters = new Map<string, Promise<Converter>>();

function converterFor(model: string, backend: string): Promise<Converter> {
  const key = `${model}/${backend}`;
  const cached = converters.get(key);
  if (cached) return cached;
  const url = new URL(`${model}.safetensors`, modelBase);
  const loading = loadConverter(url, { backend: backend as "cpu" | "webgpu" });
  loading.catch(() => converters.delete(key));
  converters.set(key, loading);
  return loading;
}

function setState(state: "loading" | "converting" | "ready" | "error", message?: string): void {
  document.body.dataset.state = state;
  if (message !== undefined) ui.status.textContent = message;
}

function options(): ConvertOptions {
  const nbest = Math.min(10, Math.max(1, Math.trunc(Number(ui.nbest.value)) || 1));
  const strategy = ui.strategy.value as ConvertOptions["strategy"];
  // Greedy decoding has one answer; beam search and sampling give n-best lists, and the beam
  // must be at least as wide as the list.
  if (strategy === "greedy") return { strategy, attention: true };
  const beamWidth = strategy === "beam" ? Math.max(4, nbest) : undefined;
  return { strategy, nbest, beamWidth, attention: true };
}

// C2K reads running text; P2K reads one ARPAbet pronunciation.
async function convert(c: Converter, text: string): Promise<TextConversion> {
  if (c.task === "c2k") return await c.convertText(text, options());
  const word = await c.convert(text.trim(), options());
  return { text, kana: word.kana, words: [word] };
}

// Conversions run one at a time; a keystroke that arrives while one runs supersedes any
// conversion still waiting, so the page never falls behind the typing.
let latest = 0;
let chain: Promise<void> = Promise.resolve();

function schedule(): void {
  const ticket = ++latest;
  chain = chain.then(() => (ticket === latest ? update() : undefined));
}

async function update(): Promise<void> {
  const text = ui.input.value;
  const model = ui.model.value;
  if (text.trim() === "") {
    render(undefined, text);
    setState("ready", "");
    return;
  }
  setState("converting");
  try {
    const converter = await converterFor(model, ui.backend.value);
    const t0 = performance.now();
    const result = await convert(converter, text);
    const ms = performance.now() - t0;
    render(result, text);
    setState("ready", `${describe(converter)} · converted in ${ms.toFixed(1)} ms`);
  } catch (e) {
    setState("error", `Cannot convert: ${(e as Error).message}`);
  }
}

function describe(c: Converter): string {
  const cfg = c.meta.config;
  return `${c.task.toUpperCase()} on ${c.backend} · d ${cfg.dModel}, ${cfg.encLayers}+${cfg.decLayers} layers`;
}

function render(result: TextConversion | undefined, text: string): void {
  ui.kana.textContent = result?.kana ?? "";
  document.body.dataset.converted = text;
  const words = result?.words ?? [];
  const last = words.findLast((w) => w.source === "model") ?? words.at(-1);
  renderNbest(last);
  drawAttention(ui.canvas, last, ui.model.value);
}

function renderNbest(word: Conversion | undefined): void {
  const items = word ? (word.nbest ?? [{ kana: word.kana, logProb: word.logProb }]) : [];
  ui.list.replaceChildren(...items.map((c) => {
    const li = document.createElement("li");
    li.dataset.kana = c.kana;
    li.dataset.score = String(c.logProb);
    const score = document.createElement("span");
    score.textContent = `log p ${c.logProb.toFixed(3)} · p ${
      (100 * Math.exp(c.logProb)).toFixed(1)
    }%`;
    li.append(c.kana, score);
    return li;
  }));
}

// Symbols on the heat map's axes: the source as the model reads it, and the katakana emitted,
// each followed by the end-of-sequence step.
function axes(word: Conversion, task: string, rows: number, cols: number) {
  let src = task === "p2k" ? word.input.trim().split(/\s+/) : [...word.input.toLowerCase()];
  if (src.length !== cols - 1) src = Array.from({ length: cols - 1 }, (_, i) => String(i + 1));
  let tgt = [...word.kana];
  if (tgt.length !== rows - 1) tgt = Array.from({ length: rows - 1 }, (_, i) => String(i + 1));
  return { src: [...src, "</s>"], tgt: [...tgt, "</s>"] };
}

function drawAttention(canvas: HTMLCanvasElement, word: Conversion | undefined, task: string) {
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  const scale = globalThis.devicePixelRatio || 1;
  const width = canvas.clientWidth || canvas.width, height = canvas.clientHeight || canvas.height;
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  ctx.setTransform(scale, 0, 0, scale, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const att = word?.attention; // (output steps, source symbols + EOS)
  if (!word || !att || att.length === 0 || att[0].length === 0) return;
  const rows = att.length, cols = att[0].length;
  const { src, tgt } = axes(word, task, rows, cols);
  const left = 48, top = 40;
  const cell = Math.max(6, Math.min(40, (width - left - 8) / cols, (height - top - 8) / rows));
  ctx.font = `${Math.min(16, cell * 0.6)}px "Noto Sans CJK JP", "Noto Sans JP", sans-serif`;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      // The square root spreads the small weights apart, so a diffuse row still shows shape.
      const a = Math.sqrt(Math.max(0, Math.min(1, att[i][j])));
      ctx.fillStyle = heat(a);
      ctx.fillRect(left + j * cell, top + i * cell, cell - 1, cell - 1);
    }
  }
  ctx.fillStyle = getComputedStyle(document.body).color;
  src.forEach((s, j) => ctx.fillText(s, left + (j + 0.5) * cell, top - 14));
  ctx.textAlign = "right";
  tgt.forEach((t, i) => ctx.fillText(t, left - 6, top + (i + 0.5) * cell));
}

// A light-to-dark blue ramp: 0 → near white, 1 → deep blue.
function heat(a: number): string {
  const r = Math.round(240 - 215 * a), g = Math.round(244 - 180 * a), b = Math.round(250 - 90 * a);
  return `rgb(${r}, ${g}, ${b})`;
}

function init(): void {
  if (!("gpu" in navigator)) {
    const webgpu = ui.backend.querySelector<HTMLOptionElement>('option[value="webgpu"]');
    if (webgpu) {
      webgpu.disabled = true;
      webgpu.textContent = "WebGPU (not available here)";
    }
  }
  ui.input.addEventListener("input", schedule);
  for (const el of [ui.strategy, ui.backend, ui.nbest]) el.addEventListener("change", schedule);
  ui.model.addEventListener("change", () => {
    ui.input.placeholder = PLACEHOLDERS[ui.model.value] ?? "";
    schedule();
  });
  ui.input.value = params.get("text") ?? "";
  setState("loading", "Loading the model…");
  const t0 = performance.now();
  converterFor(ui.model.value, ui.backend.value).then((c) => {
    setState("ready", `${describe(c)} · loaded in ${(performance.now() - t0).toFixed(0)} ms`);
    if (ui.input.value !== "") schedule();
    ui.input.focus();
  }, (e: Error) => setState("error", `Cannot load the model: ${e.message}`));
}

init();
