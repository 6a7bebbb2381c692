/** The shape of a plot: a name and a function that tells one story of that shape. */
import type { StoryContext } from '../context.js';
import type { Paragraph } from '../scenes.js';

/** Names of the plot shapes. */
export type PlotId =
  | 'lost-toy' | 'sharing' | 'fear' | 'helping' | 'weather' | 'making'
  | 'visit' | 'animal-rescue' | 'argument' | 'learning' | 'new-friend' | 'birthday';

/** One plot shape. */
export interface Plot {
  readonly id: PlotId;
  /** One line saying what happens. */
  readonly summary: string;
  /** Tells a story: paragraphs of sentences (the opening included). */
  tell(c: StoryContext): Paragraph[];
}
