/**
 * The command table. A new command is one file in this folder exporting a `Command`, added here;
 * `main` and `--help` pick it up from this list.
 */
import type { Command } from '../args.js';
import { corpus } from './corpus.js';
import { demo } from './demo.js';
import { generate } from './generate.js';
import { info } from './info.js';
import { probe } from './probe.js';
import { evaluate } from './eval.js';
import { sweep } from './sweep.js';
import { train } from './train.js';

export const COMMANDS: readonly Command[] = [info, train, evaluate, generate, demo, corpus, probe, sweep];
