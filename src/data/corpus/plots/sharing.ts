/** Sharing: a friend asks to share the hero's toy or snack; the hero says no, feels bad, then shares. */
import { withArticle } from '../grammar.js';
import { NUMBER_WORDS, SNACKS } from '../lexicon.js';
import { feels, friendName, introduceToy, oneDay, opening, play, say, type Paragraph } from '../scenes.js';
import type { Plot } from './plot.js';
import { statedFact } from '../world.js';

export const sharing: Plot = {
  id: 'sharing',
  summary: 'a friend wants to share; the hero refuses, feels bad, shares, and both have fun',
  tell(c) {
    const A = c.hero, r = c.r, P = c.place;
    const B = c.friend();
    const intro = opening(c);
    const ask: Paragraph = [];
    const after: Paragraph = [];
    if (r.chance(0.6)) {
      const t = c.toy();
      intro.push(introduceToy(c, A, t));
      ask.push(r.oneOf(
        () => `${oneDay(c)}, ${A.name} was playing with ${A.his} ${t.np} ${P.at}.`,
        () => `${oneDay(c)}, ${A.name} took ${A.his} ${t.np} to ${P.name}.`,
      ));
      ask.push(r.oneOf(
        () => `${A.his} friend ${friendName(B)} came to play too.`,
        () => `There ${A.he} met ${B.intro}.`,
      ));
      ask.push(say(c, B, r.pick([`Can I play with your ${t.toy.noun} too?`, `Can I have a turn with your ${t.toy.noun}, please?`, `Wow, what a nice ${t.toy.noun}! Can we share it?`])));
      ask.push(r.oneOf(
        () => `${A.name} held the ${t.toy.noun} tight.`,
        () => `${A.name} did not want to share.`,
      ));
      ask.push(say(c, A, r.pick([`No! It is my ${t.toy.noun}!`, `No, it is mine. You can not have it.`])));
      ask.push(r.oneOf(
        () => `${B.name} looked down and walked away.`,
        () => `${B.name} sat on the ground all alone.`,
      ));
      ask.push(feels(c, B, 'sad'));
      after.push(r.oneOf(
        () => `${A.name} tried to ${play(c, t, 'the ' + t.toy.noun)} alone, but it was not fun anymore.`,
        () => `${A.name} looked at ${B.name}, and ${A.he} did not feel good inside.`,
      ));
      after.push(r.oneOf(
        () => `${A.he} remembered that friends share.`,
        () => `${A.name} thought about how ${B.name} felt.`,
      ));
      after.push(r.pick([`${A.name} walked over to ${B.name}.`, `${A.name} went and sat next to ${B.name}.`]));
      after.push(say(c, A, r.pick([`I am sorry, ${B.name}. Do you want to play with my ${t.toy.noun}?`, `Here, ${B.name}. We can take turns.`])));
      after.push(r.oneOf(
        () => `${B.name} smiled a big smile.`,
        () => `${B.poss} face lit up.`,
      ));
      after.push(r.oneOf(
        () => `They took turns, and they played together all day.`,
        () => `First ${B.name} had a turn, and then ${A.name} had a turn.`,
      ));
      after.push(r.oneOf(
        () => `Playing together was much more fun than playing alone.`,
        () => `They laughed and laughed.`,
      ));
    } else {
      const s = r.pick(SNACKS), n = r.pick(NUMBER_WORDS), giver = c.parent();
      ask.push(`${oneDay(c)}, ${giver.ref} gave ${A.name} ${n} ${s.many}.`);
      if (s.many === 'bananas' || s.many === 'strawberries') ask.push(statedFact(c, s.many, 'color'));
      ask.push(r.oneOf(
        () => `${A.name} took them to ${P.name}.`,
        () => `${A.name} sat down ${P.at} to eat them.`,
      ));
      ask.push(r.oneOf(
        () => `Then ${A.he} saw ${A.his} friend ${friendName(B)}.`,
        () => `There ${A.he} saw ${B.intro}.`,
      ));
      ask.push(r.pick([`${B.name} had no snack, and ${B.he} looked at the ${s.many}.`, `${B.name} looked hungry.`]));
      ask.push(say(c, B, r.pick([`Those look so good. Can I have one?`, `I am hungry. Can I have one, please?`])));
      ask.push(r.oneOf(
        () => `${A.name} put the ${s.many} behind ${A.his} back.`,
        () => `${A.name} wanted to keep all the ${s.many}.`,
      ));
      ask.push(say(c, A, r.pick([`No, they are mine.`, `No! They are all for me.`])));
      ask.push(r.pick([`${B.name} walked away slowly.`, `${B.poss} smile went away, and ${B.he} sat down alone.`]));
      after.push(r.pick([`${A.name} ate one ${s.one}, but it did not taste as good as before.`, `${A.name} looked at the ${s.many}, and then at ${B.name}.`]));
      after.push(feels(c, A, r.pick(['bad', 'sorry'])));
      after.push(r.pick([`${A.name} ran after ${B.name}.`, `${A.name} got up and went to ${B.name}.`]));
      after.push(say(c, A, r.pick([`Wait, ${B.name}! I am sorry. Please have some.`, `${B.name}, let's share them!`])));
      after.push(`${A.name} gave ${B.name} ${withArticle(s.one)}, and they sat down together.`);
      after.push(say(c, B, r.pick([`Thank you, ${A.name}! You are a good friend.`, `Yum! Thank you, ${A.name}!`])));
      after.push(r.pick([`The ${s.many} tasted much better now.`, `Sharing made the snack even better.`]));
    }
    const end = r.oneOf(
      () => `From that day on, ${A.name} always shared with ${A.his} friends.`,
      () => `${A.name} learned that sharing makes everyone happy.`,
      () => `${A.name} and ${B.name} were best friends after that.`,
    );
    after.push(end);
    return [intro, ask, after];
  },
};
