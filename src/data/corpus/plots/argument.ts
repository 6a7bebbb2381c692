/** An argument and making up: two friends want the same thing, quarrel, feel bad, and make up. */
import { withArticle } from '../grammar.js';
import { feels, oneDay, opening, play, say, type Paragraph } from '../scenes.js';
import type { Plot } from './plot.js';

export const argument: Plot = {
  id: 'argument',
  summary: 'two friends quarrel over a toy or a game, feel bad, say sorry and play together',
  tell(c) {
    const A = c.hero, r = c.r, P = c.place, B = c.friend();
    const intro = opening(c);
    intro.push(r.oneOf(
      () => `${A.poss} best friend was ${B.intro}.`,
      () => `${A.name} had a good friend, ${B.aNoun} named ${B.name}.`,
    ));
    intro.push(r.pick([`They played together every day.`, `They did almost everything together.`, `They liked to play together after lunch.`]));
    const fight: Paragraph = [];
    if (r.chance(0.6)) {
      const t = c.toy();
      fight.push(`${oneDay(c)}, ${B.name} brought ${withArticle(t.np)} to ${P.name}.`);
      fight.push(`${A.name} wanted to ${play(c, t, 'it')}, but ${B.name} wanted to ${play(c, t, 'it')} first.`);
      fight.push(say(c, A, r.pick([`Give it to me! I want it now!`, `Me first! Give it to me!`])));
      fight.push(say(c, B, r.pick([`No! It is my ${t.toy.noun}!`, `No! I brought it, so I go first!`])));
      fight.push(r.oneOf(
        () => `They both pulled the ${t.toy.noun}, and it fell on the ground.`,
        () => `They pulled and pulled, until ${B.name} fell down on the grass.`,
      ));
    } else {
      const [game1, game2] = r.sample(['play tag', 'play hide and seek', 'build a fort', 'play catch', 'race to the big tree'], 2);
      fight.push(`${oneDay(c)}, ${A.name} and ${B.name} met ${P.at}.`);
      fight.push(say(c, A, `Let's ${game1}!`));
      fight.push(say(c, B, `No, I want to ${game2}!`));
      fight.push(say(c, A, r.pick([`That is a silly game. We will ${game1}!`, `No! My game is better!`])));
      fight.push(r.pick([`They argued and argued, and their voices got louder and louder.`, `Neither of them wanted to listen.`]));
    }
    fight.push(r.oneOf(
      () => `${A.name} stomped away, and ${B.name} went home.`,
      () => `${B.name} turned around and walked away, and ${A.name} did not stop ${B.him}.`,
    ));
    const sorry: Paragraph = [
      r.oneOf(
        () => `${A.name} sat alone ${P.at}. There was no one to play with.`,
        () => `At home, ${A.name} felt bad. ${A.he} missed ${A.his} friend.`,
      ),
      feels(c, A, r.pick(['sad', 'lonely'])),
      r.oneOf(
        () => `${A.he} thought about what ${A.he} had said, and ${A.he} knew it was not nice.`,
        () => `${A.name} knew that ${B.name} was sad too.`,
      ),
      r.pick([`So ${A.name} went to find ${B.name}.`, `The next morning, ${A.name} knocked on ${B.poss} door.`, `${A.name} picked a flower and went to find ${B.name}.`]),
      ...r.oneOf(
        () => [say(c, A, `I am sorry, ${B.name}. I was not nice to you.`), say(c, B, r.pick([`I am sorry too, ${A.name}.`, `I was not nice either. I am sorry, ${A.name}.`]))],
        () => [say(c, A, `${B.name}, I am sorry. I miss playing with you.`), say(c, B, `I missed you too, ${A.name}. I am sorry.`)],
      ),
      r.pick([`They gave each other a big hug.`, `They both smiled.`, `${B.name} gave ${A.name} a big hug.`]),
    ];
    const end: Paragraph = [
      r.oneOf(
        () => `Then they took turns, and they played together until it was time for dinner.`,
        () => `They decided to take turns, so everyone could have fun.`,
      ),
      r.oneOf(
        () => `${A.name} and ${B.name} learned that friends are more important than being first.`,
        () => `From that day on, when they did not agree, they talked and found a way to share.`,
        () => `Being friends again felt much better than being angry.`,
      ),
    ];
    return [intro, fight, sorry, end];
  },
};

