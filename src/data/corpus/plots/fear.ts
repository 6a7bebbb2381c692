/** Fear overcome: the hero is afraid of something, a helper encourages them, and they are brave. */
import type { StoryContext } from '../context.js';
import { feels, helperIntro, oneDay, opening, say, sayAfter, scenery, type Paragraph } from '../scenes.js';
import type { Plot } from './plot.js';
import { statedFact } from '../world.js';

type Telling = (c: StoryContext) => Paragraph[];

const dark: Telling = (c) => {
  const A = c.hero, r = c.r, M = c.parent();
  return [
    [
      r.oneOf(
        () => `Every night, when ${M.ref} turned off the light, ${A.name} was scared of the dark.`,
        () => `But when night came, ${A.name} was afraid of the dark.`,
        () => `But ${A.name} did not like bedtime, because ${A.he} ${A.was} scared of the dark.`,
      ),
      r.pick([
        `The room was so dark, and the shadows on the wall looked big and strange.`,
        `${A.he} pulled the blanket over ${A.his} head and did not sleep.`,
        `Every little sound made ${A.him} jump.`,
      ]),
      statedFact(c, 'night', 'property'),
      say(c, A, r.pick([`${M.title}, please leave the light on. I am scared!`, `${M.title}, I do not like the dark.`, `${M.title}, can you stay with me? It is too dark.`])),
    ],
    [
      r.pick([`${M.Ref} sat down on the bed.`, `${M.Ref} came back into the room.`, `${M.Ref} turned on a little lamp and sat down.`]),
      say(c, M, r.pick([
        `The dark is just the night. Your room is the same as in the day.`,
        `There is nothing to be scared of. Let's look together.`,
        `The night is when the moon and the stars come out. Come and see.`,
      ])),
      r.oneOf(
        () => `${M.Ref} opened the window, and they looked at the sky. The moon and the stars were shining.`,
        () => `${M.Ref} showed ${A.name} the chair, the toys and the shelf. They were all the same as before.`,
        () => `${M.Ref} showed ${A.name} that the big shadow was only a coat on the door.`,
      ),
    ],
    [
      r.pick([`${A.name} looked around the room again.`, `${A.name} looked at the room with new eyes.`]),
      say(c, A, r.pick([`The dark is not so scary after all.`, `I think I can be brave.`, `It is just my room.`])),
      r.pick([`${M.Ref} gave ${A.name} a kiss and said good night.`, `${M.Ref} tucked ${A.name} in and said good night.`]),
      ...(r.chance(0.5) ? [statedFact(c, 'pillows', 'property')] : []),
      r.oneOf(
        () => `${A.name} closed ${A.his} eyes and slept all night.`,
        () => `Soon ${A.name} was fast asleep, and ${A.he} had happy dreams.`,
      ),
      r.pick([`From then on, ${A.name} was not afraid of the dark.`, `${A.name} was proud to be so brave.`]),
    ],
  ];
};

const slide: Telling = (c) => {
  const A = c.hero, r = c.r, P = c.usePlace('park');
  const H = r.chance(0.5) ? c.parent() : c.friend();
  const size = r.pick(['big', 'tall', 'long']);
  return [
    [
      `${oneDay(c)}, ${A.name} went to ${P.name} with ${helperIntro(c, H)}.`,
      ...scenery(c),
      r.pick([`There was a new slide ${P.at}. It was very ${size}.`, `${P.at}, there was a ${size} slide that went round and round.`]),
      r.pick([`${A.name} watched the other children go down the slide.`, `Children were laughing as they went down the slide.`]),
      r.pick([`${A.he} wanted to try, but ${A.he} ${A.was} scared.`, `${A.name} stood at the bottom and did not move.`, `${A.poss} tummy felt funny when ${A.he} looked at it.`]),
      say(c, A, r.pick([`It is too high. What if I fall?`, `I can not do it. It is too ${size}!`, `I am too scared to go up there.`])),
    ],
    [
      say(c, H, r.pick([
        `You can do it, ${A.name}! I will wait for you at the bottom.`,
        `Let's go up together, one step at a time.`,
        `I was scared the first time too. It is fun, I promise!`,
      ])),
      r.pick([`${A.name} climbed up the steps slowly.`, `One step, two steps, three steps. ${A.name} went up slowly.`]),
      r.pick([`At the top, ${A.he} looked down. It was very high!`, `At the top, ${A.his} legs were shaking.`, `At the top, ${A.he} held on tight.`]),
      r.pick([`${A.he} took a deep breath and sat down.`, `${A.name} closed ${A.his} eyes for a moment.`]),
    ],
    [
      `Then ${A.he} let go.`,
      say(c, A, r.pick(['Whee!', 'Wheee! Here I go!']), 'shouted'),
      r.pick([`${A.name} went down the slide very fast and landed on the soft sand.`, `Down, down, down went ${A.name}, all the way to the bottom.`]),
      say(c, A, r.pick([`That was fun! I want to go again!`, `I did it! I was brave!`, `Again! Again!`])),
      say(c, H, r.pick([`I knew you could do it!`, `You were so brave, ${A.name}!`])),
      r.pick([`${A.name} went down the slide again and again until it was time to go home.`, `After that, the ${size} slide was ${A.poss} favorite thing ${P.at}.`]),
    ],
  ];
};

const waves: Telling = (c) => {
  const A = c.hero, r = c.r, P = c.usePlace('beach'), M = c.parent();
  return [
    [
      r.pick([`${oneDay(c)}, ${A.name} and ${M.ref} went to ${P.name}.`, `${oneDay(c)}, ${M.ref} took ${A.name} to ${P.name}.`]),
      r.pick([`The sun was warm, and the sea was blue.`, `The sand was warm under ${A.poss} feet.`]),
      r.pick([`But the waves were big and loud, and ${A.name} did not want to go near them.`, `The waves went splash, splash, and ${A.name} stayed far away from them.`]),
      say(c, A, r.pick([`The waves are too big. I am scared!`, `I do not want to go in the water.`, `What if the waves knock me down?`])),
    ],
    [
      r.pick([`${M.Ref} took ${A.poss} hand.`, `${M.Ref} knelt down next to ${A.name}.`]),
      say(c, M, r.pick([`We can stand where the water is small. I will hold your hand.`, `Let's try just a little bit. I am right here.`, `We will go slowly. You can stop any time.`])),
      r.pick([`They walked to the water together.`, `Slowly, they walked to the edge of the water.`]),
      `A little wave came and splashed over ${A.poss} feet.`,
      r.pick([`The water was cool, and it tickled!`, `${A.name} laughed, because it tickled.`, `It was cold, but it felt nice.`]),
    ],
    [
      r.pick([`The next wave was a bit bigger, and ${A.name} jumped over it.`, `When the next wave came, ${A.name} jumped as high as ${A.he} could.`]),
      say(c, A, r.pick([`Look at me! I can jump the waves!`, `This is fun! I am not scared anymore!`])),
      r.pick([`${A.name} and ${M.ref} jumped and splashed until the sun was low.`, `They played in the waves all afternoon.`]),
      r.pick([`${A.name} felt very proud of ${A.self}.`, `On the way home, ${A.name} said the sea was ${A.his} new favorite place.`]),
    ],
  ];
};

const thunder: Telling = (c) => {
  const A = c.hero, r = c.r, M = c.parent();
  return [
    [
      r.pick([`${oneDay(c)}, dark clouds came over the sky, and it began to rain.`, `${oneDay(c)}, a big storm came.`, `One night, the wind blew hard and the rain came down.`]),
      r.pick([`Then there was a big boom. It was thunder!`, `Boom! The thunder was so loud that the windows shook.`]),
      r.pick([
        `${A.name} ran to ${A.his} room and hid under the blanket.`,
        `${A.name} hid behind the couch and covered ${A.his} ears.`,
        `${A.name} ran and hid under the table.`,
      ]),
      feels(c, A, 'scared'),
    ],
    [
      r.pick([`${M.Ref} came and sat next to ${A.him}.`, `${M.Ref} found ${A.name} and gave ${A.him} a hug.`]),
      say(c, M, r.pick([`Thunder is just a big noise. It can not hurt you.`, `Don't be scared. The thunder is far away, and we are safe inside.`, `The storm is outside, and we are warm and safe in here.`])),
      sayAfter(M, r.pick(['smiled', 'laughed softly']), r.pick([`Let's count after the light, and we will know how far away the storm is.`, `Let's count together when we see the light.`])),
      r.pick([`They saw a flash of light, and they counted together: one, two, three, four, five.`, `The sky lit up, and they counted slowly to five.`]),
      r.pick([`Boom! The thunder was not so loud this time.`, `Then the thunder came, but it was softer now.`]),
    ],
    [
      say(c, A, r.pick([`The storm is going away!`, `It is getting quiet!`, `The thunder is far away now!`])),
      r.pick([`Soon the rain stopped, and the sun came out again.`, `After a while, the storm was over.`]),
      r.pick([`There was a big rainbow in the sky.`, `The grass was wet and shiny.`, `Everything outside smelled fresh and clean.`]),
      r.pick([`${A.name} was not scared of thunder anymore.`, `${A.name} felt brave and proud.`]),
      say(c, A, r.pick([`Next time, I will count with you, ${M.title}!`, `Thank you, ${M.title}. Storms are not so scary.`])),
    ],
  ];
};

const bigDog: Telling = (c) => {
  const A = c.hero, r = c.r, D = c.pet(['dog']), M = c.parent();
  return [
    [
      r.pick([`Next door, there was a big dog named ${D.name}.`, `On ${A.poss} street, there lived a very big dog named ${D.name}.`]),
      r.pick([`Every time ${A.name} walked by, ${D.name} barked very loudly.`, `${D.name} had big paws and a very loud bark.`]),
      r.pick([`${A.name} was afraid of ${D.name}, so ${A.he} always ran past the gate.`, `${A.name} always walked on the other side of the street.`]),
    ],
    [
      `${oneDay(c)}, ${A.name} and ${M.ref} saw ${D.name} by the gate.`,
      r.pick([`${A.name} hid behind ${M.ref}.`, `${A.name} held ${M.poss} hand very tight.`]),
      say(c, A, r.pick([`That dog is so big. I am scared of ${D.him}.`, `What if ${D.name} bites me?`])),
      say(c, M, r.pick([`${D.name} is a kind dog. ${D.he} barks because ${D.he} wants to play.`, `Let's say hello slowly. I think ${D.name} is friendly.`])),
      `${A.name} held out ${A.his} hand very slowly.`,
    ],
    [
      r.pick([`${D.name} came over and sniffed it. Then ${D.name} wagged ${D.his} tail and licked ${A.poss} hand!`, `${D.name} sat down, wagged ${D.his} tail and licked ${A.poss} fingers!`]),
      r.pick([`${A.name} giggled.`, `${A.name} laughed, because it tickled.`]),
      say(c, A, r.pick([`${D.he} likes me!`, `${D.name} is not scary at all!`])),
      r.pick([`After that day, ${A.name} and ${D.name} played together every day.`, `From then on, ${A.name} stopped at the gate every day to say hello to ${D.name}.`]),
      r.pick([`${A.name} learned that some things only look scary.`, `${A.name} was glad ${A.he} had been brave.`]),
    ],
  ];
};

/** Fears for a child hero, and for an animal hero. */
const PERSON_TELLINGS: readonly Telling[] = [dark, slide, waves, thunder, bigDog];
const ANIMAL_TELLINGS: readonly Telling[] = [dark, thunder];

export const fear: Plot = {
  id: 'fear',
  summary: 'the hero is scared of something, is encouraged, and overcomes the fear',
  tell(c) {
    const hero = c.hero, r = c.r;
    const tellIt = r.pick(hero.person ? PERSON_TELLINGS : ANIMAL_TELLINGS);
    // The telling may move the story (to the park, to the beach): tell it before the opening.
    const body = tellIt(c);
    const intro = opening(c);
    if (r.chance(0.5)) {
      intro.push(r.pick([
        `${hero.he} ${hero.was} a happy ${hero.noun}, but there was one thing that scared ${hero.him}.`,
        `${hero.name} was brave about many things, but not about everything.`,
      ]));
    }
    return [intro, ...body];
  },
};
