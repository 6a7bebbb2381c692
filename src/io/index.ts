/**
 * Weights I/O: safetensors read/write over host arrays, half-precision conversions, and atomic
 * file writes (Node/Deno) for checkpoints.
 */
export { saveSafetensors, loadSafetensors, SafetensorsError } from './safetensors.js';
export type { SafetensorsDType, SafetensorsEntry, SafetensorsFile, LoadSafetensorsOptions } from './safetensors.js';
export {
  f16BitsToNumber, numberToF16Bits, bf16BitsToNumber, numberToBf16Bits,
  f16ToFloat32, bf16ToFloat32, float32ToF16, float32ToBf16,
} from './half.js';
export { writeFileAtomic } from './atomic-write.js';
export { loadLlama2c, readLlama2cHeader } from './llama2c.js';
export type { Llama2cHeader } from './llama2c.js';
