/** Lost toy: the hero loses the toy introduced at the start, searches with a helper and finds it. */
import { COLORS, HOME_SPOTS } from '../lexicon.js';
import { feels, friendName, happyEnd, introduceToy, oneDay, opening, play, say, sayAfter, scenery, type Paragraph } from '../scenes.js';
import type { Plot } from './plot.js';

export const lostToy: Plot = {
  id: 'lost-toy',
  summary: 'the hero loses a toy, looks for it with a helper, and finds it',
  tell(c) {
    const A = c.hero, r = c.r, t = c.toy(), P = c.place;
    const atHome = r.chance(0.3);
    const helper = r.chance(0.55) ? c.parent() : c.friend();
    const spots = r.sample(atHome ? HOME_SPOTS : P.spots, 3);
    const intro = [...opening(c), introduceToy(c, A, t)];

    const loss: Paragraph = [];
    if (atHome) {
      loss.push(`${oneDay(c)}, ${A.name} wanted to ${play(c, t, `${A.his} ${t.np}`)}, but ${A.he} could not find it.`);
      loss.push(r.oneOf(
        () => `${A.he} looked in ${A.his} room, but it was not there.`,
        () => `It was not on ${A.his} bed, and it was not on the floor.`,
      ));
    } else {
      loss.push(r.oneOf(
        () => `${oneDay(c)}, ${A.name} took ${A.his} ${t.np} to ${P.name}.`,
        () => `${oneDay(c)}, ${A.name} went to ${P.name} with ${A.his} ${t.np}.`,
      ));
      loss.push(...scenery(c));
      loss.push(r.oneOf(
        () => `${A.he} played with it for a long time.`,
        () => `${A.he} had so much fun ${P.at}.`,
        () => `${A.he} ran and played until the sun was low.`,
      ));
      loss.push(r.oneOf(
        () => `When it was time to go home, ${A.name} looked for ${A.his} ${t.toy.noun}, but it was gone!`,
        () => `Then ${A.name} looked around. ${A.poss} ${t.toy.noun} was not there!`,
      ));
    }
    loss.push(feels(c, A, r.pick(['sad', 'worried', 'upset'])));
    loss.push(r.oneOf(
      () => say(c, A, `Where is my ${t.toy.noun}?`),
      () => say(c, A, `Oh no! I lost my ${t.toy.noun}!`, 'cried'),
      () => say(c, A, `I miss my ${t.np}.`),
    ));

    const search: Paragraph = [];
    if (helper.role === 'parent') {
      search.push(r.oneOf(
        () => `${helper.Ref} gave ${A.name} a hug.`,
        () => `${helper.Ref} saw that ${A.name} was sad.`,
      ));
      search.push(say(c, helper, r.pick([
        `Do not cry, ${A.name}. We will look for it together.`,
        `Don't be sad. Let's look for it together.`,
        `We can find it if we look carefully.`,
      ])));
    } else {
      search.push(r.oneOf(
        () => `Just then, ${A.his} friend ${friendName(helper)} came by.`,
        () => `${A.his} friend ${friendName(helper)} saw ${A.him} and came over.`,
      ));
      search.push(say(c, helper, r.pick([
        `What is wrong, ${A.name}?`,
        `Why are you sad, ${A.name}?`,
      ])));
      search.push(say(c, A, `I lost my ${t.toy.noun}.`));
      search.push(say(c, helper, r.pick([`I will help you look for it!`, `Don't worry. I can help you find it.`])));
    }
    search.push(`They looked ${spots[0]}, but the ${t.toy.noun} was not there.`);
    search.push(`They looked ${spots[1]}, but it was not there either.`);
    search.push(r.oneOf(
      () => `Then ${A.name} saw something ${COLORS.includes(t.adjective) ? `${t.adjective} ` : ''}${spots[2]}.`,
      () => `Then ${helper.ref} pointed at something ${spots[2]} and said, "Look!"`,
      () => `At last, ${A.name} looked ${spots[2]}.`,
    ));

    const found: Paragraph = [];
    found.push(r.oneOf(
      () => `It was ${A.his} ${t.np}!`,
      () => `There it was! It was ${A.poss} ${t.np}!`,
    ));
    found.push(r.oneOf(
      () => `${A.name} picked it up and hugged it.`,
      () => `${A.name} jumped up and down with joy.`,
      () => `${A.name} smiled a big smile.`,
    ));
    found.push(say(c, A, r.pick([
      `Thank you for helping me, ${helper.title}!`,
      `Thank you, ${helper.title}! You are the best!`,
    ])));
    found.push(helper.role === 'parent'
      ? sayAfter(helper, 'smiled', r.pick([`You are welcome. Be careful with your toys.`, `I am happy we found it.`]))
      : say(c, helper, r.pick([`That is what friends are for.`, `I am glad we found it!`])));
    found.push(r.oneOf(
      () => `From that day on, ${A.name} always kept ${A.his} ${t.toy.noun} close.`,
      () => `From then on, ${A.name} was careful not to lose ${A.his} ${t.toy.noun} again.`,
      () => happyEnd(c),
    ));
    return [intro, loss, search, found];
  },
};
