/**
 * Weights I/O: safetensors read/write over host arrays, half-precision conversions, atomic file
 * writes (Node/Deno), model checkpoints (run directories, llama2.c files) and the Hugging Face
 * GPT-2 name map.
 */
export { saveSafetensors, loadSafetensors, SafetensorsError } from './safetensors.js';
export type { SafetensorsDType, SafetensorsEntry, SafetensorsFile, LoadSafetensorsOptions } from './safetensors.js';
export {
  f16BitsToNumber, numberToF16Bits, bf16BitsToNumber, numberToBf16Bits,
  f16ToFloat32, bf16ToFloat32, float32ToF16, float32ToBf16,
} from './half.js';
export { writeFileAtomic } from './atomic-write.js';
export { loadLlama2c, readLlama2cHeader } from './llama2c.js';
export type { Llama2cHeader, LoadLlama2cOptions } from './llama2c.js';
export { saveModel, loadModel, MODEL_FILE } from './checkpoint.js';
export type { SaveModelOptions, SavedModel, LoadModelOptions, LoadedModel } from './checkpoint.js';
export { fromHuggingFaceGPT2, mapHuggingFaceGPT2, looksLikeHuggingFaceGPT2 } from './hf-gpt2.js';
export type { HostTensor, HFGPT2ConfigJSON, HFGPT2ConfigInput, MappedCheckpoint } from './hf-gpt2.js';
