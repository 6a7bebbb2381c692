/** `sg.nn.functional`: the functional forms of the layers (PyTorch naming). */
export { crossEntropy, softmax, logSoftmax, layerNorm, rmsNorm, dropout, linear } from '../ops/nn.js';
export { gelu, relu, sigmoid, tanh } from '../ops/elementwise.js';
export { embedding } from '../ops/indexing.js';
export { scaledDotProductAttention } from './attention.js';
