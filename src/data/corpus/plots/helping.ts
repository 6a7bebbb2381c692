/** Helping a friend: a friend has a problem (a stuck kite, a hurt knee, lost the way...) and the hero helps. */
import type { StoryContext } from '../context.js';
import { feels, friendName, oneDay, opening, say, sayAfter, scenery, type Paragraph } from '../scenes.js';
import type { Plot } from './plot.js';

type Telling = (c: StoryContext) => Paragraph[];

const stuckKite: Telling = (c) => {
  const A = c.hero, r = c.r, B = c.friend(), k = c.newToy(['kite', 'balloon', 'ball']);
  c.usePlace(r.pick(['park', 'yard', 'meadow', 'hill']));
  const H = c.parent();
  return [
    [
      `${oneDay(c)}, ${A.name} saw ${A.his} friend ${friendName(B)} ${c.place.at}.`,
      r.pick([`${B.name} was crying under a tall tree.`, `${B.name} was standing under a tree, and ${B.he} looked very sad.`]),
      say(c, A, r.pick([`What is wrong, ${B.name}?`, `Why are you sad, ${B.name}?`])),
      say(c, B, `My ${k.np} is stuck in the tree, and I can not get it down!`),
      r.pick([`${A.name} looked up. The ${k.toy.noun} was high up in the branches.`, `${A.name} looked up and saw the ${k.toy.noun} at the very top of the tree.`]),
    ],
    [
      r.oneOf(
        () => `${A.name} jumped as high as ${A.he} could, but ${A.he} could not reach it.`,
        () => `${A.name} tried to reach it with a stick, but the stick was too short.`,
      ),
      say(c, A, r.pick([`Don't worry, ${B.name}. I know who can help!`, `Wait here, ${B.name}. I will get help.`])),
      r.pick([`${A.name} ran home and told ${H.ref}.`, `${A.name} ran to find ${H.ref} as fast as ${A.he} could.`]),
      r.pick([`${H.Ref} came with a long ladder and climbed up the tree.`, `${H.Ref} came with a ladder and went up step by step.`]),
      r.pick([`Slowly, ${H.ref} got the ${k.toy.noun} down and gave it to ${B.name}.`, `${H.Ref} reached out, took the ${k.toy.noun} and brought it down to ${B.name}.`]),
    ],
    [
      say(c, B, r.pick([`Thank you, ${A.name}! You are a good friend.`, `My ${k.toy.noun}! Thank you so much!`])),
      sayAfter(H, 'smiled', r.pick([`It is good to help your friends.`, `You did the right thing when you came to get me.`])),
      r.oneOf(
        () => `${A.name} and ${B.name} played with the ${k.toy.noun} all afternoon, far away from the tall tree.`,
        () => `${A.name} felt warm and happy inside, because ${A.he} had helped ${A.his} friend.`,
      ),
    ],
  ];
};

const hurtKnee: Telling = (c) => {
  const A = c.hero, r = c.r, B = c.friend({ person: c.hero.person }), M = c.parent(), P = c.place;
  return [
    [
      `${oneDay(c)}, ${A.name} and ${A.his} friend ${friendName(B)} were running ${P.at}.`,
      ...scenery(c),
      r.pick([`They were very fast, and they were laughing.`, `They were playing tag, and ${A.name} was it.`]),
      r.pick([`Then ${B.name} tripped on a rock and fell down.`, `Then ${B.name} slipped and fell on ${B.his} knee.`]),
      say(c, B, r.pick([`Ouch! My knee!`, `Ow! It hurts!`]), 'cried'),
      `${B.poss} knee was red, and ${B.he} began to cry.`,
    ],
    [
      r.pick([`${A.name} stopped running and helped ${B.name} stand up.`, `${A.name} ran back and sat down next to ${B.name}.`]),
      say(c, A, r.pick([`Don't cry, ${B.name}. My ${M.noun} can help you.`, `Come with me. We can go to my ${M.noun}.`])),
      `${A.name} held ${B.poss} hand, and they walked slowly to ${A.poss} house.`,
      r.pick([`${M.Ref} washed the knee and put a bandage on it.`, `${M.Ref} cleaned the knee gently and put on a bandage with little stars.`]),
      sayAfter(M, 'smiled', `There you go. You will be fine.`),
    ],
    [
      r.pick([`${B.name} stopped crying and smiled.`, `Soon ${B.poss} knee did not hurt so much.`]),
      say(c, B, r.pick([`Thank you, ${A.name}, for helping me.`, `You are a good friend, ${A.name}.`])),
      r.oneOf(
        () => `Then ${M.ref} gave them each a cookie, and they sat and ate together.`,
        () => `Then ${A.name} and ${B.name} sat down and sang songs together until ${B.name} felt better.`,
      ),
      r.pick([`${A.name} was happy ${A.he} could help ${A.his} friend.`, `The next day, ${B.name} was running again.`]),
    ],
  ];
};

const lostWay: Telling = (c) => {
  const A = c.hero, r = c.r, B = c.friend(), P = c.usePlace('woods');
  return [
    [
      `${oneDay(c)}, ${A.name} was walking ${P.at} when ${A.he} heard someone crying.`,
      `It was ${B.intro}.`,
      say(c, A, `Why are you crying?`),
      say(c, B, r.pick([`I can not find my way home. I am lost!`, `I walked too far, and now I do not know where my home is.`])),
      feels(c, B, r.pick(['scared', 'lonely', 'worried'])),
    ],
    [
      say(c, A, r.pick([`Don't be scared. I will help you find your home.`, `I know these woods very well. I will help you.`])),
      `${A.name} asked ${B.name} what ${B.poss} home looked like.`,
      say(c, B, r.pick([`It is near a big river.`, `It is next to a tall tree with red leaves.`, `It is by a little pond with many frogs.`])),
      r.pick([`${A.name} knew just where that was.`, `${A.name} thought for a moment, and then ${A.he} smiled.`]),
      r.pick([`They walked on the path together, past the old log and over the little hill.`, `They followed the path through the trees, and ${A.name} led the way.`]),
    ],
    [
      r.pick([`At last, they saw ${B.poss} home.`, `After a long walk, ${B.name} shouted, "There it is!"`]),
      `${B.poss} family was waiting there, and they were so happy to see ${B.him}.`,
      say(c, B, r.pick([`Thank you, ${A.name}! You helped me so much.`, `Thank you! Will you come and play tomorrow?`])),
      r.pick([`${A.name} smiled and waved goodbye.`, `${A.name} waved goodbye and said, "See you soon!"`]),
      r.oneOf(
        () => `From that day on, ${A.name} and ${B.name} were the best of friends.`,
        () => `${A.name} walked home feeling very happy.`,
      ),
    ],
  ];
};

const highApples: Telling = (c) => {
  const A = c.hero, r = c.r, B = c.friend(), P = c.usePlace(c.r.pick(['yard', 'farm', 'garden']));
  return [
    [
      `${oneDay(c)}, ${A.name} and ${A.his} friend ${friendName(B)} were playing ${P.at}.`,
      ...scenery(c),
      r.pick([`There was an apple tree, and it had big red apples.`, `They stopped under an old apple tree full of red apples.`]),
      say(c, B, r.pick([`I am so hungry. I want an apple, but they are too high.`, `Look at those apples! I wish I could reach them.`])),
      `${B.name} jumped and jumped, but ${B.he} could not reach them.`,
    ],
    [
      `${A.name} had an idea.`,
      say(c, A, r.pick([`Wait here! I will be right back.`, `I know what to do!`])),
      r.pick([`${A.name} found an old box and pushed it under the tree.`, `${A.name} brought a little stool from the shed and put it under the tree.`]),
      r.pick([`${A.he} stood on it and reached up high.`, `${A.he} climbed up and stretched as high as ${A.he} could.`]),
      r.pick([`${A.he} picked one apple, and then another apple.`, `Soon ${A.he} had two big apples in ${A.his} hands.`]),
    ],
    [
      `${A.name} gave an apple to ${B.name}, and they sat under the tree to eat.`,
      say(c, B, r.pick([`This is the best apple ever! Thank you, ${A.name}.`, `Yum! You are so clever, ${A.name}!`])),
      r.pick([`The apples were sweet and juicy.`, `They ate and laughed in the shade of the tree.`]),
      `${A.name} was glad ${A.he} had helped ${A.his} friend.`,
    ],
  ];
};

const brokenToy: Telling = (c) => {
  const A = c.hero, r = c.r, B = c.friend(), t = c.newToy(['toy car', 'robot', 'toy train', 'doll', 'drum', 'toy boat']);
  const H = c.parent();
  return [
    [
      `${oneDay(c)}, ${A.name} went to play with ${A.his} friend ${friendName(B)}.`,
      `${B.name} was sitting on the floor with ${B.his} ${t.np}, and ${B.he} looked very sad.`,
      say(c, A, `What happened, ${B.name}?`),
      say(c, B, `My ${t.toy.noun} is broken. A piece came off, and now it does not work.`),
    ],
    [
      say(c, A, r.pick([`My ${H.noun} is good at fixing things. Let's ask for help!`, `Don't be sad. We can fix it together.`])),
      `They took the ${t.toy.noun} to ${A.poss} ${H.noun}.`,
      r.pick([
        `${H.Ref} found some glue, and ${A.name} held the piece in the right place. They waited and waited for the glue to dry.`,
        `${H.Ref} got some tape, and they fixed the ${t.toy.noun} together. It took a long time, but they did not give up.`,
      ]),
    ],
    [
      `At last, the ${t.toy.noun} was as good as new!`,
      say(c, B, r.pick([`It works again! Thank you, ${A.name}!`, `Hooray! You fixed it!`]), 'shouted'),
      r.pick([`${B.name} gave ${A.name} a big hug.`, `${B.name} jumped up and down with joy.`]),
      r.pick([`Then they played with the ${t.toy.noun} together, and they were very careful with it.`, `${A.name} was happy, because helping a friend feels good.`]),
    ],
  ];
};

const PERSON_TELLINGS: readonly Telling[] = [stuckKite, hurtKnee, lostWay, highApples, brokenToy];
const ANIMAL_TELLINGS: readonly Telling[] = [lostWay, highApples, hurtKnee];

export const helping: Plot = {
  id: 'helping',
  summary: 'a friend is in trouble and the hero helps',
  tell(c) {
    const body = c.r.pick(c.hero.person ? PERSON_TELLINGS : ANIMAL_TELLINGS)(c);
    const intro = opening(c);
    if (c.r.chance(0.5)) intro.push(`${c.hero.he} ${c.hero.was} always kind to everyone.`);
    return [intro, ...body];
  },
};
