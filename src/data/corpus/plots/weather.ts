/** Weather change: rain, wind, snow or heat changes the hero's day, and the day turns out well. */
import type { StoryContext } from '../context.js';
import { activity, feels, friendName, happyEnd, oneDay, opening, say, sayAfter, type Paragraph } from '../scenes.js';
import type { Plot } from './plot.js';
import { statedFact } from '../world.js';

type Telling = (c: StoryContext) => Paragraph[];

const INDOOR: readonly (readonly [string, string])[] = [
  ['build a fort with blankets and pillows', 'They built a big fort with blankets and pillows, and they sat inside it with a light.'],
  ['draw some pictures', 'They drew pictures of the sun, the trees and a big rainbow.'],
  ['bake some cookies', 'They mixed, they rolled and they baked, and soon the house smelled sweet.'],
  ['play a game', 'They played a game on the floor, and they laughed a lot.'],
];

const rain: Telling = (c) => {
  const A = c.hero, r = c.r, P = c.place, M = c.parent();
  const [act, acted] = activity(c);
  const [indoor, indoorDone] = r.pick(INDOOR);
  return [
    [
      `${oneDay(c)}, ${A.name} wanted to go to ${P.name} to ${act}.`,
      r.oneOf(
        () => `But when ${A.he} looked out of the window, the sky was gray.`,
        () => `But then dark clouds came, and it began to rain.`,
      ),
      r.pick([`The rain fell harder and harder.`, `Drip, drop, drip, drop went the rain on the roof.`, `The rain made big puddles on the ground.`]),
      say(c, A, r.pick([`Oh no! Now I can not go outside.`, `I wanted to play ${P.at}. This rain is no fun!`])),
      feels(c, A, r.pick(['sad', 'upset'])),
    ],
    [
      r.pick([`${M.Ref} sat down next to ${A.name}.`, `${M.Ref} came over and gave ${A.name} a hug.`]),
      say(c, M, `We can still have fun inside. Do you want to ${indoor}?`),
      r.pick([`${A.name} thought about it and nodded.`, `${A.name} wiped ${A.his} eyes and said yes.`]),
      indoorDone,
      say(c, A, r.pick([`This is fun, ${M.title}!`, `I like rainy days now!`])),
    ],
    [
      r.pick([`After a while, the rain stopped, and the sun came out.`, `Later, the clouds went away, and the sun came out again.`]),
      r.oneOf(
        () => `There was a big rainbow over ${P.name}!`,
        () => `There were big puddles everywhere.`,
      ),
      r.pick([`${A.name} put on ${A.his} boots and ran outside.`, `${A.name} put on ${A.his} rain boots and went outside with ${M.ref}.`]),
      `${A.he} jumped in the puddles, and then ${A.he} ${acted} ${P.at}.`,
      r.oneOf(
        () => `It was a good day after all.`,
        () => happyEnd(c),
      ),
    ],
  ];
};

const wind: Telling = (c) => {
  const A = c.hero, r = c.r, P = c.place, t = c.toy(['hat', 'scarf', 'balloon', 'umbrella', 'kite']);
  const B = c.friend();
  return [
    [
      r.pick([`${oneDay(c)}, it was very windy.`, `${oneDay(c)}, a strong wind was blowing.`]),
      `${A.name} went to ${P.name} with ${A.his} ${t.np} and ${A.his} friend ${friendName(B)}.`,
      r.pick([`The wind blew the leaves around and around.`, `The trees were swaying, and leaves were flying everywhere.`]),
      r.oneOf(
        () => `Then a big gust of wind came, and it took ${A.poss} ${t.toy.noun} away!`,
        () => `Whoosh! The wind pulled the ${t.toy.noun} away from ${A.name}.`,
      ),
      say(c, A, `My ${t.toy.noun}! Come back!`, 'shouted'),
    ],
    [
      `${A.name} and ${B.name} ran after the ${t.toy.noun}.`,
      r.pick([`It flew over the grass and past the trees.`, `It went up and down and over the grass.`]),
      r.pick([`At last, it landed on top of a bush.`, `At last, the wind stopped, and it fell on a bush.`, `Then it got caught on a low branch.`]),
      r.oneOf(
        () => `${B.name} held the bush down, and ${A.name} grabbed the ${t.toy.noun}.`,
        () => `${A.name} reached up on ${A.his} toes and grabbed it.`,
      ),
      say(c, A, r.pick([`I got it! Thank you, ${B.name}!`, `We did it, ${B.name}!`])),
    ],
    [
      r.pick([`They were out of breath, and they laughed and laughed.`, `They sat down on the grass, tired and happy.`]),
      say(c, B, r.pick([`That was like a race with the wind!`, `The wind wanted to play with us!`])),
      r.pick([`${A.name} held ${A.his} ${t.np} tight all the way home.`, `On the way home, ${A.name} did not let go of ${A.his} ${t.toy.noun} once.`]),
      r.oneOf(
        () => `From then on, ${A.name} liked windy days.`,
        () => `It was a windy day that ${A.name} would never forget.`,
      ),
    ],
  ];
};

const snow: Telling = (c) => {
  const A = c.hero, r = c.r, P = c.place, t = c.toy(['hat', 'scarf']);
  const B = c.friend();
  return [
    [
      `${oneDay(c, true)}, ${A.name} woke up and looked out of the window.`,
      r.pick([`Everything was white! Snow was on the trees, on the houses and on the ground.`, `The whole world was white and soft with snow.`, `Snow was falling, and the ground was white.`]),
      r.oneOf(() => statedFact(c, 'snow', 'color'), () => statedFact(c, 'snow', 'property'), () => statedFact(c, 'ice', 'property')),
      say(c, A, r.pick([`It snowed! Hooray!`, `Look at all the snow!`]), 'shouted'),
      r.pick([`${A.name} put on a warm coat and ${A.his} ${t.np}, and ${A.he} ran outside.`, `${A.name} got dressed fast, put on ${A.his} ${t.np} and ran out the door.`]),
    ],
    [
      r.pick([`${A.his} friend ${friendName(B)} was already outside.`, `Outside, ${A.he} met ${A.his} friend ${friendName(B)}.`]),
      say(c, B, `Let's make a snowman!`),
      r.pick([`They rolled a big snowball for the body, a smaller one for the middle and a little one for the head.`, `They rolled a big snowball for the body and a small one for the head.`]),
      r.pick([`They used stones for the eyes and a stick for the nose.`, `They gave the snowman two stones for eyes and a carrot for a nose.`]),
      r.oneOf(
        () => `${A.name} gave the snowman ${A.his} ${t.np}. Now the snowman looked warm too!`,
        () => `The snowman looked cold, so ${A.name} gave it ${A.his} ${t.np}.`,
      ),
    ],
    [
      r.pick([`Then ${A.name} and ${B.name} threw snowballs and made angels in the snow.`, `Then ${A.name} and ${B.name} went down the hill on a sled, again and again.`]),
      r.pick([`When their hands were cold, they went inside for warm milk.`, `When they were cold, they went inside and had hot cocoa.`]),
      say(c, A, r.pick([`This is the best snow day ever!`, `Can we play in the snow again tomorrow?`])),
      `${A.name} looked out of the window at the snowman ${P.at}, and ${A.he} smiled.`,
    ],
  ];
};

const heat: Telling = (c) => {
  const A = c.hero, r = c.r, P = c.place, M = c.parent(), B = c.friend();
  return [
    [
      r.pick([`${oneDay(c)}, it was very, very hot.`, `It was a very hot summer day.`]),
      r.pick([`The sun was big and bright, and there was no wind at all.`, `Even the birds were too hot to sing.`]),
      statedFact(c, 'sun', 'property'),
      `${A.name} and ${A.his} friend ${friendName(B)} sat ${P.at}. They were too hot to play.`,
      say(c, B, r.pick([`I am so hot. What can we do?`, `It is too hot to run. I am tired.`])),
    ],
    [
      r.pick([`Just then, ${M.ref} came with a big bucket of cold water.`, `Just then, ${M.ref} came out with the garden hose.`]),
      sayAfter(M, 'laughed', `Who wants to get wet?`),
      r.pick([`${M.Ref} splashed the water on the grass, and ${A.name} and ${B.name} ran through it.`, `${M.Ref} sprayed the water high in the air, and ${A.name} and ${B.name} ran through it.`]),
      r.oneOf(
        () => `The water was cold, and it felt so good!`,
        () => `They screamed and laughed as the cold water splashed them.`,
      ),
    ],
    [
      r.pick([`After that, they sat in the shade of a tree and had some cold juice.`, `Then they sat under a tree and ate cold watermelon.`]),
      say(c, A, r.pick([`Thank you, ${M.title}! Now the hot day is fun.`, `This is the best way to cool down!`])),
      r.pick([`${A.name} and ${B.name} played in the water until the sun went down.`, `It was the best hot day ever.`]),
    ],
  ];
};

export const weather: Plot = {
  id: 'weather',
  summary: 'the weather changes the hero\'s plans, and the day still turns out well',
  tell(c) {
    const r = c.r;
    c.usePlace(r.pick(['park', 'garden', 'yard', 'meadow', 'hill']));
    const body = r.pick([rain, rain, wind, snow, heat])(c);
    return [opening(c), ...body];
  },
};
