/**
 * Device health: records device loss (`device.lost`), uncaptured errors and asynchronous
 * out-of-memory reports, and turns them into clear JS Errors thrown at the next backend call or
 * read, so a broken device never shows up as a hang or as silently wrong numbers.
 */

/** Prefix of every error this backend throws. */
export const ERR = 'storygrad/webgpu:';

export class DeviceHealth {
  private lostReason: string | null = null;
  private pending: Error[] = [];
  /** Resolves (never rejects) when the device is lost; reads race against it. */
  readonly lostPromise: Promise<string>;
  private resolveLost!: (reason: string) => void;

  constructor() {
    this.lostPromise = new Promise((resolve) => (this.resolveLost = resolve));
  }

  /** Hooks the device's loss promise and uncaptured-error event. */
  watch(device: GPUDevice, expectDestroy: () => boolean): void {
    device.lost.then((info) => {
      const msg = expectDestroy()
        ? `${ERR} the device was destroyed (backend.destroy() was called)`
        : `${ERR} the GPU device was lost (reason: ${info.reason ?? 'unknown'}): ${info.message || 'no message'}`;
      this.lostReason = msg;
      this.resolveLost(msg);
    });
    device.onuncapturederror = (ev: GPUUncapturedErrorEvent) => {
      const e = ev.error;
      const kind = e.constructor?.name ?? 'GPUError';
      this.record(new Error(`${ERR} uncaptured ${kind} from the device: ${e.message}`));
    };
  }

  /** Records an error to throw at the next call; `first` puts it ahead (root causes). */
  record(err: Error, first = false): void {
    if (first) this.pending.unshift(err);
    else this.pending.push(err);
  }

  get lost(): boolean {
    return this.lostReason !== null;
  }

  /** Throws if the device is lost or an error is pending (a pending error is thrown once). */
  check(): void {
    if (this.lostReason !== null) throw new Error(this.lostReason);
    const e = this.pending[0];
    if (e) {
      const more = this.pending.length - 1;
      this.pending.length = 0;
      if (more > 0) e.message += ` (and ${more} later error${more > 1 ? 's' : ''})`;
      throw e;
    }
  }
}
