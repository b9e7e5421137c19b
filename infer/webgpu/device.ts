/**
 * Getting a WebGPU device, and watching it: clear errors when WebGPU is missing, when no
 * adapter is found, or when the device is lost, so that pending work rejects instead of
 * hanging. Standard WebGPU only: runs in browsers, Deno (`--unstable-webgpu` on older
 * versions) and other runtimes that expose `navigator.gpu`.
 *
 * @module
 */

/** Why WebGPU could not be used; callers branch on it (e.g. to fall back to the CPU). */
export type WebGpuFailure = "unavailable" | "no-adapter" | "no-device" | "device-lost" | "error";

/** An error from the WebGPU backend that a caller may catch to fall back to the CPU. */
export class WebGpuError extends Error {
  /** What went wrong. */
  readonly reason: WebGpuFailure;

  /**
   * @param reason What went wrong.
   * @param message The sentence to show.
   * @param options The underlying cause, if any.
   */
  constructor(reason: WebGpuFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "WebGpuError";
    this.reason = reason;
  }
}

/** Options of {@link requestWebGpuDevice}. */
export interface DeviceOptions {
  /** The WebGPU entry point; defaults to `navigator.gpu` (tests pass a stand-in). */
  gpu?: GPU | null;
  /** Adapter preference; the default lets the system choose. */
  powerPreference?: GPUPowerPreference;
}

/** A device with a description of the adapter it came from. */
export interface WebGpuDevice {
  device: GPUDevice;
  /** The adapter for reports, e.g. "llvmpipe (LLVM 15.0.6, 256 bits) (software)". */
  adapter: string;
}

/**
 * Describes an adapter for reports, marking software (fallback) adapters as such.
 *
 * @param info The adapter's info.
 * @returns A short label, e.g. "llvmpipe (LLVM 15.0.6, 256 bits) (software)".
 */
export function describeAdapter(info: GPUAdapterInfo): string {
  const name = info.description || [info.vendor, info.architecture, info.device]
    .filter((s) => s).join(" ") ||
    "unknown adapter";
  const software = info.isFallbackAdapter || /llvmpipe|lavapipe|swiftshader|software|warp/i
    .test(name);
  return software ? `${name} (software)` : name;
}

/** The `navigator.gpu` of this runtime, or undefined when it has none. */
export function defaultGpu(): GPU | undefined {
  return (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
}

/**
 * Requests an adapter and a device with the adapter's largest buffer limits (big batches need
 * big buffers).
 *
 * @param options Where to find WebGPU and which adapter to prefer.
 * @returns The device and a label of its adapter.
 * @throws {WebGpuError} "unavailable" without `navigator.gpu`, "no-adapter" when none is
 *   found, "no-device" when the adapter refuses a device.
 * @example Get a device
 * ```ts ignore
 * const { device, adapter } = await requestWebGpuDevice();
 * console.log(adapter);
 * ```
 */
export async function requestWebGpuDevice(options: DeviceOptions = {}): Promise<WebGpuDevice> {
  const gpu = options.gpu === undefined ? defaultGpu() : options.gpu;
  if (!gpu) {
    throw new WebGpuError(
      "unavailable",
      "WebGPU is not available: navigator.gpu is missing (use a browser with WebGPU, or Deno " +
        "with --unstable-webgpu), or choose the CPU backend",
    );
  }
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference });
  } catch (cause) {
    throw new WebGpuError("no-adapter", `Cannot get a WebGPU adapter: ${message(cause)}`, {
      cause,
    });
  }
  if (!adapter) {
    throw new WebGpuError(
      "no-adapter",
      "No WebGPU adapter was found (no GPU driver; on Linux install a Vulkan or GL driver " +
        "such as Mesa's), or choose the CPU backend",
    );
  }
  const limits = adapter.limits;
  try {
    const device = await adapter.requestDevice({
      requiredLimits: {
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
      },
    });
    return { device, adapter: describeAdapter(adapter.info) };
  } catch (cause) {
    throw new WebGpuError("no-device", `Cannot get a WebGPU device: ${message(cause)}`, {
      cause,
    });
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Watches a device: remembers whether it was lost and the first uncaptured (validation or
 * out-of-memory) error, and turns either into a rejection of the work waiting on it.
 */
export interface DeviceWatch {
  /** Throws a {@link WebGpuError} if the device was lost or reported an error. */
  check(): void;
  /**
   * Waits for `work`, but rejects with a {@link WebGpuError} as soon as the device is lost,
   * so that nothing waits forever on a dead device.
   */
  guard<T>(work: Promise<T>): Promise<T>;
}

/**
 * Starts watching a device (see {@link DeviceWatch}).
 *
 * @param device The device.
 * @returns The watch.
 */
export function watchDevice(device: GPUDevice): DeviceWatch {
  let failure: WebGpuError | null = null;
  const lost = device.lost.then((info) => {
    failure ??= new WebGpuError(
      "device-lost",
      `The WebGPU device was lost (${info.reason}${
        info.message ? `: ${info.message}` : ""
      }); load the model again`,
    );
    throw failure;
  });
  lost.catch(() => {}); // Observed through guard(); never an unhandled rejection.
  device.addEventListener("uncapturederror", (event) => {
    const error = (event as GPUUncapturedErrorEvent).error;
    failure ??= new WebGpuError("error", `WebGPU reported an error: ${error.message}`);
  });
  const check = () => {
    if (failure) throw failure;
  };
  return {
    check,
    async guard<T>(work: Promise<T>): Promise<T> {
      check();
      let result: T;
      try {
        result = await Promise.race([work, lost]) as T;
      } catch (cause) {
        if (cause === failure) throw cause;
        // A map or scope that fails because the device is going away may reject before
        // device.lost settles: give it a moment, so the error says what happened.
        await Promise.race([lost.catch(() => {}), new Promise((r) => setTimeout(r, 50))]);
        check();
        throw new WebGpuError("error", `A WebGPU operation failed: ${message(cause)}`, { cause });
      }
      check();
      return result;
    },
  };
}
