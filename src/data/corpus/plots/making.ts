/** Making something: the hero makes a cake, a card, a sandcastle or a tower; it goes wrong once, then works. */
import type { StoryContext } from '../context.js';
import { friendName, helperIntro, oneDay, opening, say, sayAfter, scenery, type Paragraph } from '../scenes.js';
import type { Plot } from './plot.js';

type Telling = (c: StoryContext) => Paragraph[];

const cake: Telling = (c) => {
  const A = c.hero, r = c.r;
  const [forWho, helperId] = r.pick([['mom', 'dad'], ['dad', 'mom'], ['grandma', 'grandpa'], ['grandpa', 'grandma']] as const);
  const F = c.adult(forWho), H = c.adult(helperId);
  const frosting = r.pick(['pink', 'white', 'yellow', 'blue']);
  const top = r.pick(['little candies', 'red strawberries', 'tiny stars', 'a big heart']);
  return [
    [
      r.pick([`${oneDay(c)}, ${A.name} remembered that it was ${F.poss} birthday.`, `${oneDay(c)}, ${H.ref} told ${A.name} a secret. It was ${F.poss} birthday!`]),
      say(c, A, r.pick([`I want to make a cake for ${F.title}!`, `Let's bake a surprise cake for ${F.title}!`, `Can we make ${F.title} a birthday cake?`])),
      r.pick([`${H.Ref} smiled and said they could make it together.`, `${H.Ref} said yes, and they went to the kitchen.`]),
    ],
    [
      r.pick([`They got flour, eggs, milk and sugar.`, `First they put on aprons, and then they got the flour, the eggs and the sugar.`]),
      r.pick([`${A.name} put everything in a big bowl and mixed it with a spoon.`, `${A.name} cracked the eggs and stirred and stirred.`]),
      r.oneOf(
        () => `Then the bowl tipped over, and flour went all over ${A.poss} face!`,
        () => `But ${A.name} mixed too fast, and some of it spilled on the floor.`,
        () => `Oops! An egg fell on the floor and broke.`,
      ),
      say(c, A, r.pick([`Oh no! I made a mess.`, `Oh no! I ruined it!`])),
      sayAfter(H, 'laughed', r.pick([`That is okay. We can clean it up and try again.`, `Every cook makes a mess. Let's keep going.`])),
      r.pick([`They cleaned up, and ${A.name} mixed again, slowly this time.`, `They cleaned up together and started again, more carefully.`]),
    ],
    [
      r.pick([`They put the cake in the oven, and soon the kitchen smelled sweet.`, `The cake baked in the oven until it was soft and golden.`]),
      `${A.name} put ${frosting} frosting and ${top} on top.`,
      r.pick([`When ${F.ref} came home, ${A.name} shouted, "Surprise! Happy birthday!"`, `When ${F.ref} walked in, everyone shouted, "Happy birthday!"`]),
      say(c, F, r.pick([`You made this for me? Thank you, ${A.name}!`, `What a beautiful cake! You are so kind.`, `This is the best present ever!`])),
      r.pick([`They all ate the cake together. It was the best cake ever.`, `Everyone had a big piece, and ${F.ref} gave ${A.name} a big hug.`]),
    ],
  ];
};

const card: Telling = (c) => {
  const A = c.hero, r = c.r, G = c.adult(r.pick(['grandma', 'grandpa'] as const)), M = c.parent();
  const [c1, c2] = r.sample(['yellow sun', 'green tree', 'little house', 'red flower', 'blue bird', 'big rainbow'], 2);
  return [
    [
      r.pick([`${oneDay(c)}, ${M.ref} told ${A.name} that ${G.ref} was sick in bed.`, `${oneDay(c)}, ${A.name} heard that ${G.ref} had a bad cold.`]),
      r.pick([`${A.name} wanted to make ${G.title} feel better.`, `${A.name} wished ${A.he} could help.`]),
      say(c, A, r.pick([`I will make ${G.title} a card!`, `I know! I can draw a picture for ${G.title}.`])),
    ],
    [
      r.pick([`${A.name} got paper and crayons.`, `${A.name} sat at the table with paper and crayons.`]),
      `${A.he} drew a ${c1} and a ${c2}.`,
      r.oneOf(
        () => `Then ${A.he} spilled some water on the paper, and the picture got wet.`,
        () => `But ${A.he} pushed too hard, and the crayon made a big mark.`,
        () => `But the paper tore in the middle.`,
      ),
      say(c, A, r.pick([`Oh no!`, `Now it is ruined!`])),
      sayAfter(M, `hugged ${A.him}`, r.pick([`It is okay. You can start again. I will help you.`, `Let's try again. The second one will be even better.`])),
      `${A.name} tried again, and this time ${A.he} drew ${G.ref} and ${A.self} holding hands.`,
      r.pick([`At the bottom, ${A.he} wrote, "Get well soon!"`, `Then ${A.he} wrote at the top, "I love you!"`]),
    ],
    [
      r.pick([`The next day, they took the card to ${G.ref}.`, `That afternoon, they went to see ${G.ref} with the card.`]),
      r.pick([`${G.Ref} smiled a big smile when ${G.he} saw it.`, `${G.poss} eyes lit up when ${G.he} saw the card.`]),
      say(c, G, r.pick([`This is the best card in the world. I feel better already!`, `Thank you, ${A.name}. I will put it by my bed.`])),
      r.pick([`${A.name} was happy that ${A.his} card helped.`, `A few days later, ${G.ref} was well again.`]),
    ],
  ];
};

const sandcastle: Telling = (c) => {
  const A = c.hero, r = c.r, P = c.usePlace('beach'), B = c.friend();
  return [
    [
      `${oneDay(c)}, ${A.name} went to ${P.name} with ${A.his} friend ${friendName(B)}.`,
      ...scenery(c),
      say(c, A, r.pick([`Let's build the biggest sandcastle ever!`, `I want to make a castle out of sand.`])),
      r.pick([`They dug and piled up the wet sand.`, `They carried wet sand and patted it flat.`]),
      r.pick([`They made tall towers and a wall around them.`, `Soon they had four towers and a little gate.`]),
    ],
    [
      r.pick([`Then a big wave came up the beach.`, `But the sea was coming closer and closer.`]),
      `Splash! The wave knocked down the castle.`,
      say(c, B, r.pick([`Oh no! Our castle is gone!`, `All our work is gone!`])),
      r.oneOf(
        () => `${A.name} looked at the water and had an idea.`,
        () => `${A.name} was sad for a moment, and then ${A.he} had an idea.`,
      ),
      say(c, A, r.pick([`Let's build it again, but far away from the water.`, `We can make a new one up high where the waves can not go.`])),
    ],
    [
      `They built a new castle up high on the dry sand.`,
      r.pick([`This castle was even bigger, and it had a shell on every tower.`, `They put shells on the walls and a stick on top for a flag.`]),
      r.pick([`The waves came, but they could not reach it.`, `This time the waves stayed far away.`]),
      say(c, B, r.pick([`It is the best castle ever!`, `We did it together!`])),
      `${A.name} and ${B.name} were proud of their castle.`,
    ],
  ];
};

const tower: Telling = (c) => {
  const A = c.hero, r = c.r, H = r.chance(0.5) ? c.parent() : c.friend();
  const color = r.pick(['red', 'blue', 'green', 'yellow', 'wooden']);
  return [
    [
      r.pick([`${oneDay(c)}, ${A.name} wanted to build a tall tower with ${A.his} ${color} blocks.`, `${oneDay(c)}, ${A.name} got out ${A.his} box of ${color} blocks. ${A.he} wanted to make the tallest tower ever.`]),
      r.pick([`${A.he} put one block on top of another, and then another.`, `Block by block, the tower went up.`]),
      `The tower grew tall, but then it began to wobble.`,
      `Crash! The blocks fell all over the floor.`,
      say(c, A, r.pick([`My tower fell down!`, `I will never make a tall tower!`, `It is not fair!`])),
    ],
    [
      r.pick([`${helperIntro(c, H)} sat down next to ${A.name}.`, `${helperIntro(c, H)} heard the crash and came to see.`]),
      say(c, H, r.pick([`Try putting the big blocks at the bottom and the small blocks on top.`, `A tall tower needs a strong bottom. Let's use the big blocks first.`])),
      r.pick([`${A.name} tried again.`, `${A.name} picked up the blocks and started again.`]),
      `${A.he} put the big blocks at the bottom, and slowly, slowly, ${A.he} made the tower taller.`,
    ],
    [
      `This time the tower did not fall.`,
      r.pick([`It was taller than ${A.name}!`, `It was almost as tall as the door!`]),
      say(c, A, r.pick([`Look! I did it!`, `It is the tallest tower ever!`]), 'shouted'),
      say(c, H, r.pick([`Good job, ${A.name}! You did not give up.`, `What a great tower, ${A.name}!`])),
      r.pick([`${A.name} learned that if at first you fail, you should try again.`, `${A.name} was very proud of ${A.his} tower.`]),
    ],
  ];
};

export const making: Plot = {
  id: 'making',
  summary: 'the hero makes something; it goes wrong once, and with help it works',
  tell(c) {
    const body = c.r.pick([cake, card, sandcastle, tower])(c);
    return [opening(c), ...body];
  },
};
