/** The table of plot shapes, in a fixed order (a story's plot is drawn from this list by index). */
import { animalRescue } from './animal-rescue.js';
import { argument } from './argument.js';
import { birthday } from './birthday.js';
import { fear } from './fear.js';
import { helping } from './helping.js';
import { learning } from './learning.js';
import { lostToy } from './lost-toy.js';
import { making } from './making.js';
import { newFriend } from './new-friend.js';
import type { Plot, PlotId } from './plot.js';
import { sharing } from './sharing.js';
import { visit } from './visit.js';
import { weather } from './weather.js';

export type { Plot, PlotId } from './plot.js';

/** Every plot shape. Appending keeps existing seeds' plots; reordering changes them. */
export const PLOTS: readonly Plot[] = Object.freeze([
  lostToy, sharing, fear, helping, weather, making, visit, animalRescue, argument, learning, newFriend, birthday,
]);

/** The ids of {@link PLOTS}, in order. */
export const PLOT_IDS: readonly PlotId[] = Object.freeze(PLOTS.map((p) => p.id));
