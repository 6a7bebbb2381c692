/** `sg.nn`: functional API (layers and Module arrive with the model work). */
export * as functional from './functional.js';
