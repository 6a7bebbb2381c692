/** A birthday: the hero's birthday party, with a friend who brings a present and a wish on the cake. */
import { withArticle } from '../grammar.js';
import { oneDay, opening, play, say, sayAfter, type Paragraph } from '../scenes.js';
import type { Plot } from './plot.js';

export const birthday: Plot = {
  id: 'birthday',
  summary: 'the hero has a birthday party; a friend brings a present; the hero makes a wish',
  tell(c) {
    const A = c.hero, r = c.r, M = c.parent(), B = c.friend(), t = c.toy();
    const age = r.pick(['four', 'five', 'six', 'seven']);
    const cakeKind = r.pick(['chocolate', 'strawberry', 'lemon', 'vanilla']);
    const intro = opening(c);
    const morning: Paragraph = [
      r.oneOf(
        () => `${oneDay(c, true)}, ${A.name} woke up very early. It was ${A.his} birthday!`,
        () => `Today was a special day. It was ${A.poss} birthday, and ${A.he} ${A.was} ${age} years old.`,
        () => `${A.name} jumped out of bed. Today ${A.he} ${A.was} ${age}!`,
      ),
      r.pick([`${M.Ref} made a big ${cakeKind} cake with ${age} candles on top.`, `In the kitchen, ${M.ref} was making a ${cakeKind} cake.`]),
      r.pick([`There were balloons all over the house.`, `The house was full of colors and music.`, `${M.Ref} had put a big sign on the door.`]),
      say(c, M, r.pick([`Happy birthday, ${A.name}! Your friends are coming soon.`, `Happy birthday! Are you ready for your party?`])),
      say(c, A, r.pick([`Hooray! I love birthdays!`, `Yes! I can not wait!`, `This is the best day of the year!`])),
    ];
    const party: Paragraph = [
      r.pick([`Soon ${A.his} friend ${B.name} came to the door with a big box.`, `Ding dong! It was ${A.poss} friend ${B.name}, with a present in ${B.his} hands.`]),
      say(c, B, r.pick([`Happy birthday, ${A.name}! This is for you.`, `I hope you like it, ${A.name}!`])),
      r.pick([`${A.name} opened the present. Inside was ${withArticle(t.np)}!`, `${A.name} pulled off the paper and found ${withArticle(t.np)}!`]),
      say(c, A, r.pick([`Wow! I always wanted ${withArticle(t.toy.noun)}! Thank you, ${B.name}!`, `It is so pretty! Thank you, ${B.name}!`, `I love it! You are the best, ${B.name}!`])),
      r.oneOf(
        () => `${A.name} and ${B.name} played games, and they laughed a lot.`,
        () => `They played hide and seek, and then they danced to music.`,
        () => `They played musical chairs, and ${B.name} won.`,
      ),
    ];
    const cake: Paragraph = [
      r.pick([`Then it was time for the cake.`, `At last, ${M.ref} brought out the cake.`]),
      r.pick([`Everyone sang a birthday song for ${A.name}.`, `Everyone sang and clapped.`]),
      sayAfter(M, 'smiled', `Make a wish and blow out the candles!`),
      `${A.name} closed ${A.his} eyes and made a wish. Then ${A.he} blew out all the candles.`,
      r.pick([`They all ate cake, and it was sweet and yummy.`, `The ${cakeKind} cake was the best cake ${A.name} ever had.`]),
    ];
    const end: Paragraph = [
      r.pick([`That night, ${A.name} went to bed with ${A.his} new ${t.toy.noun} next to ${A.him}.`, `When the party was over, ${A.name} gave ${B.name} a big hug and said thank you again.`]),
      r.oneOf(
        () => `${A.he} could not wait to ${play(c, t, 'the ' + t.toy.noun)} the next day.`,
        () => `It was the best birthday ever.`,
        () => `${A.name} never forgot that happy birthday.`,
      ),
    ];
    return [intro, morning, party, cake, end];
  },
};
