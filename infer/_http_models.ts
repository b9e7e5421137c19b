/**
 * The HTTP handler's models by name: converters given ready, or sources loaded on first use,
 * each with its own {@link SerialQueue}.
 *
 * @module
 */

import { type Converter, loadConverter, type LoadOptions, type ModelSource } from "./converter.ts";
import { tensorSpecs } from "./model_spec.ts";
import { SerialQueue } from "./_http_queue.ts";

/**
 * One model for the handler: a loaded {@link Converter}, a {@link ModelSource} that is loaded
 * on the first request that needs it ("c2k", "p2k", a URL or the file's bytes), or a function
 * that loads it.
 */
export type ModelEntry = Converter | ModelSource | (() => Promise<Converter>);

/** Where a model stands. */
export type ModelStatus = "loaded" | "loading" | "not_loaded" | "failed";

interface Slot {
  entry: ModelEntry;
  converter?: Converter;
  loading?: Promise<Converter>;
  error?: Error;
  queue: SerialQueue;
}

function isConverter(entry: ModelEntry): entry is Converter {
  return typeof entry === "object" && !(entry instanceof URL) && !(entry instanceof Uint8Array);
}

/** The models a handler serves, loaded lazily and at most once at a time. */
export class ModelRegistry {
  readonly #slots = new Map<string, Slot>();
  readonly #load: LoadOptions;

  /**
   * Registers the models; none is loaded here.
   *
   * @param entries Models by name.
   * @param maxQueue The most conversions waiting per model.
   * @param load Options for models loaded from a source.
   * @throws {TypeError} When no model is given or a name is not a short identifier.
   */
  constructor(entries: Record<string, ModelEntry>, maxQueue: number, load: LoadOptions = {}) {
    for (const [name, entry] of Object.entries(entries)) {
      if (!/^[a-z0-9][a-z0-9_.-]{0,31}$/i.test(name)) {
        throw new TypeError(
          `Invalid model name "${name}": use up to 32 letters, digits, "_", "." or "-"`,
        );
      }
      const slot: Slot = { entry, queue: new SerialQueue(maxQueue) };
      if (isConverter(entry)) slot.converter = entry;
      this.#slots.set(name, slot);
    }
    if (this.#slots.size === 0) {
      throw new TypeError(
        `Cannot create the HTTP handler: no model given; pass { models: { c2k: ... } }`,
      );
    }
    this.#load = load;
  }

  /** The names of the models, in the order given. */
  get names(): string[] {
    return [...this.#slots.keys()];
  }

  /**
   * Whether a model of that name exists.
   *
   * @param name A model name.
   * @returns True when the registry has it.
   */
  has(name: string): boolean {
    return this.#slots.has(name);
  }

  /**
   * Where a model stands, without loading it.
   *
   * @param name A model name from {@link names}.
   * @returns Its status.
   */
  status(name: string): ModelStatus {
    const slot = this.#slot(name);
    if (slot.converter) return "loaded";
    if (slot.loading) return "loading";
    return slot.error ? "failed" : "not_loaded";
  }

  /**
   * The last load error of a model, if its last load failed.
   *
   * @param name A model name.
   * @returns The error's message, or undefined.
   */
  error(name: string): string | undefined {
    return this.#slot(name).error?.message;
  }

  /**
   * The converter of a model, loading it on first use. Concurrent callers share one load; a
   * failed load is retried by the next call.
   *
   * @param name A model name from {@link names}.
   * @returns The converter.
   * @throws {Error} Whatever loading threw.
   */
  get(name: string): Promise<Converter> {
    const slot = this.#slot(name);
    if (slot.converter) return Promise.resolve(slot.converter);
    if (!slot.loading) {
      const entry = slot.entry as Exclude<ModelEntry, Converter>;
      slot.loading = (typeof entry === "function" ? entry() : loadConverter(entry, this.#load))
        .then((c) => {
          slot.converter = c;
          slot.error = undefined;
          return c;
        }, (e: unknown) => {
          slot.error = e instanceof Error ? e : new Error(String(e));
          throw slot.error;
        }).finally(() => {
          slot.loading = undefined;
        });
    }
    return slot.loading;
  }

  /**
   * The queue that runs a model's conversions one at a time.
   *
   * @param name A model name from {@link names}.
   * @returns The queue.
   */
  queue(name: string): SerialQueue {
    return this.#slot(name).queue;
  }

  /** Releases every loaded converter; the registry must not be used afterwards. */
  dispose(): void {
    for (const slot of this.#slots.values()) slot.converter?.dispose();
    this.#slots.clear();
  }

  #slot(name: string): Slot {
    const slot = this.#slots.get(name);
    if (!slot) throw new RangeError(`Unknown model "${name}"`);
    return slot;
  }
}

/**
 * A short description of a loaded model for `GET /v1/models`: its shape, size and metrics.
 *
 * @param c A loaded converter.
 * @returns A JSON-ready summary.
 */
export function describeModel(c: Converter): Record<string, unknown> {
  const cfg = c.meta.config;
  const parameters = tensorSpecs(cfg).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
  return {
    task: c.task,
    backend: c.backend,
    formatVersion: c.meta.version,
    crc32: c.meta.crc32,
    parameters,
    config: {
      dModel: cfg.dModel,
      heads: cfg.heads,
      encLayers: cfg.encLayers,
      decLayers: cfg.decLayers,
      dFF: cfg.dFF,
      activation: cfg.activation,
      maxSrcLen: cfg.maxSrcLen,
      maxTgtLen: cfg.maxTgtLen,
      srcVocabSize: cfg.srcVocab.length,
      tgtVocabSize: cfg.tgtVocab.length,
    },
    info: c.meta.info ?? {},
  };
}
