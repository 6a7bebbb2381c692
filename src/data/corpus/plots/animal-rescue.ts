/** An animal in trouble: the hero finds a small animal in trouble, helps it with a grown-up, and names it. */
import type { StoryContext } from '../context.js';
import { feels, friendName, oneDay, opening, say, sayAfter, scenery, type Paragraph } from '../scenes.js';
import type { Plot } from './plot.js';

type Telling = (c: StoryContext) => Paragraph[];

const hurtBird: Telling = (c) => {
  const A = c.hero, r = c.r, P = c.place, M = c.parent(), X = c.pet(['bird']);
  const food = r.pick(['seeds', 'bread crumbs', 'little berries']);
  return [
    [
      r.pick([
        `${oneDay(c)}, ${A.name} was playing ${P.at} when ${A.he} saw a little bird on the ground.`,
        `${oneDay(c)}, ${A.name} was walking ${P.at}. Under a bush, ${A.he} found a little bird.`,
      ]),
      r.pick([`The bird could not fly. One of ${X.his} wings was hurt.`, `The little bird tried to fly, but ${X.his} wing was hurt.`]),
      say(c, A, r.pick([`Poor little bird! I will help you.`, `Oh no, the little bird is hurt!`, `Don't be scared, little bird. I will take care of you.`])),
    ],
    [
      r.pick([
        `${A.name} picked up the bird very gently and carried ${X.him} home to ${M.ref}.`,
        `${A.name} held the bird in ${A.his} hands and walked home slowly to ${M.ref}.`,
      ]),
      sayAfter(M, 'looked at the bird', r.pick([`${X.he} needs a warm place and some rest.`, `We can help ${X.him} get better.`])),
      r.pick([`They put the bird in a box with a soft cloth.`, `They made a little bed for the bird in a shoe box.`]),
      r.pick([`Every day, ${A.name} gave the bird water and ${food}.`, `${A.name} fed the bird ${food} and a little water every morning.`]),
      r.pick([`${A.name} named the bird ${X.name}.`, `${A.name} gave the bird a name. ${A.name} called ${X.him} ${X.name}.`]),
    ],
    [
      r.pick([`After many days, ${X.poss} wing was strong again.`, `One morning, ${X.name} began to hop and flap ${X.his} wings.`]),
      r.pick([`${A.name} took ${X.name} outside and opened ${A.his} hands.`, `It was time to let ${X.name} go, so ${A.name} took the box outside.`]),
      `${X.name} flapped ${X.his} wings and flew up into the sky!`,
      r.oneOf(
        () => `${A.name} was a little sad, but ${A.he} ${A.was} happy too.`,
        () => say(c, A, r.pick([`Goodbye, ${X.name}! Be safe!`, `Fly high, ${X.name}!`])),
      ),
      r.pick([
        `Every morning after that, ${X.name} came to ${A.poss} window and sang a happy song.`,
        `${X.name} often came back to sit in the tree by ${A.poss} house.`,
      ]),
    ],
  ];
};

const stuckKitten: Telling = (c) => {
  const A = c.hero, r = c.r, P = c.place, M = c.parent(), X = c.pet(['cat']);
  return [
    [
      `${oneDay(c)}, ${A.name} heard a small sound ${P.at}. "Meow! Meow!"`,
      r.pick([`${A.he} looked up and saw a little kitten high up in a tree.`, `The sound came from a tall tree, and there was a little kitten at the top.`]),
      r.pick([`The kitten was stuck, and ${X.he} was too scared to come down.`, `The kitten had climbed up, but now ${X.he} could not get down.`]),
      say(c, A, r.pick([`Don't be scared, little kitten! I will get help.`, `Hold on, kitten! I will be right back.`])),
    ],
    [
      r.pick([`${A.name} ran to get ${M.ref}.`, `${A.name} ran home as fast as ${A.he} could and told ${M.ref}.`]),
      r.pick([`${M.Ref} brought a ladder and climbed up slowly.`, `${M.Ref} came with a tall ladder and went up step by step.`]),
      `${M.he} held out ${M.his} hand, and the kitten climbed into it.`,
      r.pick([`${M.Ref} came down and gave the kitten to ${A.name}.`, `Soon the kitten was safe in ${A.poss} arms.`]),
      r.pick([`The kitten was soft and warm, and ${X.he} began to purr.`, `The kitten licked ${A.poss} hand and purred.`]),
    ],
    [
      say(c, A, r.pick([`Can we keep ${X.him}, ${M.title}? Please?`, `${X.he} has no home. Can ${X.he} live with us?`])),
      sayAfter(M, 'smiled', r.pick([`Yes, we can keep ${X.him}. What will you name ${X.him}?`, `All right. ${X.he} can be part of our family.`])),
      say(c, A, r.pick([`I will call ${X.him} ${X.name}!`, `${X.his} name will be ${X.name}!`])),
      r.pick([
        `From that day on, ${X.name} slept at the end of ${A.poss} bed every night.`,
        `${X.name} and ${A.name} played together every day after that.`,
      ]),
    ],
  ];
};

const lostDuckling: Telling = (c) => {
  const A = c.hero, r = c.r, P = c.usePlace('pond'), X = c.pet(['duck']);
  const B = c.friend();
  return [
    [
      `${oneDay(c)}, ${A.name} and ${A.his} friend ${friendName(B)} were playing ${P.at}.`,
      ...scenery(c),
      r.pick([`They saw a baby duck all alone in the grass.`, `Then they saw a tiny yellow duck all by itself.`]),
      `The baby duck was crying, "Peep! Peep!"`,
      r.pick([`${X.he} had lost ${X.his} mother.`, `${X.he} could not find ${X.his} family.`]),
      feels(c, B, 'sad'),
      say(c, B, r.pick([`We have to help ${X.him} find ${X.his} mother!`, `Poor baby duck! Let's help ${X.him}.`])),
    ],
    [
      say(c, A, r.pick([`Let's give ${X.him} a name. I will call ${X.him} ${X.name}.`, `${X.name} is a good name for ${X.him}.`])),
      r.pick([`${A.name} and ${B.name} walked around the pond, and ${X.name} followed them.`, `${X.name} waddled behind ${A.name} and ${B.name} as they looked around the pond.`]),
      r.pick([`They looked near the tall grass and behind the big rocks.`, `They looked under the trees and by the water.`]),
      `Then they heard a loud sound from the water: "Quack! Quack!"`,
    ],
    [
      `It was a mother duck with ${r.pick(['three', 'four', 'five'])} baby ducks!`,
      `${X.name} ran to the water and swam to ${X.his} mother as fast as ${X.he} could.`,
      r.pick([`The mother duck quacked and quacked with joy.`, `The baby ducks were happy to see ${X.name} again.`]),
      say(c, A, r.pick([`We did it, ${B.name}! ${X.name} found ${X.his} family.`, `Goodbye, ${X.name}!`])),
      r.pick([`${A.name} and ${B.name} smiled and waved as the ducks swam away.`, `${A.name} and ${B.name} walked home, happy that they could help.`]),
    ],
  ];
};

const wetPuppy: Telling = (c) => {
  const A = c.hero, r = c.r, M = c.parent(), X = c.pet(['dog']);
  return [
    [
      r.pick([`${oneDay(c)}, it was raining, and ${A.name} was looking out of the window.`, `One rainy afternoon, ${A.name} was sitting by the window.`]),
      r.pick([`${A.he} saw a little puppy sitting by the gate.`, `Outside, a little puppy was sitting under a bench all alone.`]),
      `The puppy was wet and cold, and ${X.he} was shaking.`,
      say(c, A, `${M.title}, look! There is a puppy outside, and ${X.he} is all wet!`),
    ],
    [
      r.pick([`${M.Ref} opened the door, and the puppy ran inside.`, `${M.Ref} ran out into the rain and carried the puppy inside.`]),
      r.pick([`${A.name} dried the puppy with a big towel.`, `${A.name} wrapped the puppy in a soft towel.`]),
      r.pick([`${M.Ref} gave the puppy some warm food and a bowl of water.`, `They gave the puppy some milk and a little food.`]),
      r.pick([`The puppy ate it all and wagged ${X.his} tail.`, `Soon the puppy was warm, and ${X.he} licked ${A.poss} face.`]),
      feels(c, A, 'happy'),
    ],
    [
      say(c, A, r.pick([`Can ${X.he} stay with us, ${M.title}?`, `Please, can we keep ${X.him}?`])),
      `They looked for the puppy's family, but nobody came for ${X.him}.`,
      sayAfter(M, 'smiled', r.pick([`${X.he} can stay with us.`, `I think ${X.he} wants to live here.`])),
      r.pick([
        `${A.name} named the puppy ${X.name}, and they were best friends from that day on.`,
        `${A.name} called the puppy ${X.name}. Now ${A.name} had a new best friend.`,
      ]),
      r.pick([
        `${X.name} followed ${A.name} everywhere after that.`,
        `Every night, ${X.name} slept in a little bed next to ${A.poss} bed.`,
        `${X.name} was never cold or alone again.`,
      ]),
    ],
  ];
};

export const animalRescue: Plot = {
  id: 'animal-rescue',
  summary: 'the hero finds an animal in trouble, helps it, and names it',
  tell(c) {
    const r = c.r;
    c.usePlace(r.pick(['park', 'garden', 'yard', 'woods', 'meadow']));
    const body = r.pick([hurtBird, stuckKitten, lostDuckling, wetPuppy])(c);
    return [opening(c), ...body];
  },
};
