/** A new friend: the hero feels lonely, meets a shy newcomer, says hello, and they become friends. */
import { activity, oneDay, opening, ownToys, say, scenery, type Paragraph } from '../scenes.js';
import type { Plot } from './plot.js';

export const newFriend: Plot = {
  id: 'new-friend',
  summary: 'the hero is lonely, meets someone shy, and they become friends',
  tell(c) {
    const A = c.hero, r = c.r, P = c.place, B = c.friend();
    const [act, acted] = activity(c);
    const intro = opening(c);
    intro.push(r.oneOf(
      () => `But ${A.name} had no friends to play with, and ${A.he} felt lonely.`,
      () => `${A.poss} family had just moved to a new home, and ${A.name} did not know anyone yet.`,
    ));
    const meet: Paragraph = [
      r.pick([`${oneDay(c)}, ${A.name} went to ${P.name}.`, `${oneDay(c)}, ${A.name} went to play ${P.at}.`, `${oneDay(c)}, ${A.name} took a walk to ${P.name}.`]),
      ...scenery(c),
      r.pick([`There ${A.he} saw ${B.intro}.`, `There was someone new there: ${B.intro}.`]),
      r.oneOf(
        () => `${B.name} was sitting all alone and looking at the ground.`,
        () => `${B.name} was standing by a tree, and ${B.he} looked shy.`,
      ),
      r.oneOf(
        () => `${A.name} was shy too, but ${A.he} took a deep breath and walked over.`,
        () => `${A.name} wanted to say hello, so ${A.he} walked over with a smile.`,
      ),
      say(c, A, `Hi! My name is ${A.name}. What is your name?`),
      say(c, B, r.pick([`I am ${B.name}.`, `My name is ${B.name}.`]), r.pick(['said', 'said softly'])),
      say(c, A, `Do you want to ${act} with me?`),
      r.pick([`${B.name} smiled and nodded.`, `${B.name} smiled for the first time.`, `${B.name} said yes with a big smile.`]),
    ];
    const play: Paragraph = [
      r.pick([`${A.name} and ${B.name} ${acted} together.`, `Together, ${A.name} and ${B.name} ${acted}.`, `First they ${acted}, and then they played ${acted === 'played tag' ? 'hide and seek' : 'tag'}.`]),
      ...(r.chance(0.6) ? (r.chance(0.5) ? ownToys(c, A, B) : ownToys(c, B, A)) : []),
      r.oneOf(
        () => `They laughed and ran and played until the sun went down.`,
        () => `${B.name} was not shy anymore. ${B.he} laughed and talked a lot.`,
      ),
      r.oneOf(
        () => `${B.name} told ${A.name} that ${B.he} liked the same games and the same songs.`,
        () => `They found out that they both loved ${r.pick(['cookies', 'dogs', 'the rain', 'red apples', 'big puddles'])}.`,
      ),
      say(c, B, `Can we play again tomorrow, ${A.name}?`),
      say(c, A, r.pick([`Yes! Let's meet here every day!`, `Of course! You are my new friend.`])),
    ];
    const end: Paragraph = [
      r.oneOf(
        () => `From that day on, ${A.name} and ${B.name} were best friends.`,
        () => `${A.name} was not lonely anymore, because ${A.he} had a new friend.`,
      ),
      r.oneOf(
        () => `Saying hello was the best thing ${A.name} ever did.`,
        () => `They played together every day after that.`,
      ),
    ];
    return [intro, meet, play, end];
  },
};
