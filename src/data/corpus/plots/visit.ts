/** A visit: the hero visits a grandparent's house or farm, does things there, and goes home happy. */
import { possessive } from '../grammar.js';
import { oneDay, opening, say, sayAfter, type Paragraph } from '../scenes.js';
import type { Plot } from './plot.js';
import { statedFact } from '../world.js';

export const visit: Plot = {
  id: 'visit',
  summary: 'the hero visits a grandparent, does something fun there, and goes home happy',
  tell(c) {
    const A = c.hero, r = c.r, M = c.parent();
    const G = c.adult(r.pick(['grandma', 'grandpa'] as const));
    const farm = r.chance(0.5);
    if (farm) c.usePlace('farm');
    const how = r.pick(['in the car', 'on the bus', 'on the train']);
    const intro = opening(c);
    intro.push(r.oneOf(
      () => `${A.name} loved ${G.ref} very much.`,
      () => `${A.poss} ${G.noun} lived far away, ${farm ? 'on a big farm' : 'in a little house by the woods'}.`,
    ));
    const go: Paragraph = [
      r.pick([`${oneDay(c)}, ${M.ref} said, "Today we are going to visit ${G.title}!"`, `${oneDay(c)}, ${M.ref} had a surprise. They were going to see ${G.title}!`]),
      say(c, A, r.pick([`Hooray! I can not wait!`, `Yay! Can we go now?`, `I will bring ${G.title} a flower!`]), 'shouted'),
      r.pick([`They went ${how}.`, `The trip was long, so they went ${how}.`]),
      r.pick([`${A.name} looked out of the window at the trees and the hills.`, `On the way, ${A.name} counted cows and sang songs.`, `${A.name} sang songs all the way there.`]),
      r.pick([`When they got there, ${G.ref} was waiting at the door.`, `At last they got there, and ${G.ref} ran out to meet them.`]),
      say(c, G, r.pick([`${A.name}! Come here and give me a big hug!`, `Look how big you are, ${A.name}!`, `There is my favorite ${A.person ? 'little one' : A.noun}!`])),
    ];
    const there: Paragraph = farm
      ? [
          r.pick([`${G.Ref} took ${A.name} to see the animals on the farm.`, `After lunch, ${G.ref} showed ${A.name} around the farm.`]),
          r.pick([`They fed the hens, and they gave hay to the cows.`, `They gave corn to the hens and fresh water to the horses.`]),
          r.oneOf(
            () => `A little lamb came to ${A.name} and said, "Baa!"`,
            () => `A big pig rolled in the mud, and ${A.name} laughed and laughed.`,
            () => `A baby goat jumped up and down next to ${A.name}.`,
          ),
          say(c, A, r.pick([`I love the farm, ${G.title}!`, `Can I feed the hens again tomorrow?`, `Can I have a farm when I grow up?`])),
          r.pick([`Then they picked eggs from the barn and carried them inside.`, `Then they rode on the big tractor across the field.`]),
        ]
      : [
          r.pick([`${G.Ref} had baked cookies, and the whole house smelled sweet.`, `${G.Ref} had made a big pot of soup for lunch.`]),
          r.pick([`They ate with warm milk at the big table.`, `They sat at the big table and ate until they were full.`]),
          ...r.oneOf(
            () => [`${G.Ref} lit a fire in the fireplace.`, statedFact(c, 'fire', 'property')],
            () => [`${G.Ref} gave ${A.name} some bread with honey.`, statedFact(c, 'honey', 'property')],
            () => [`${G.Ref} made lemonade with lemons and sugar.`, statedFact(c, 'lemons', 'property')],
          ),
          r.pick([`After that, ${G.ref} told ${A.name} a story about when ${G.he} was little.`, `After that, ${G.ref} showed ${A.name} old pictures from long ago.`]),
          say(c, A, r.pick([`Tell me another one, ${G.title}!`, `Did you really do that, ${G.title}?`, `You were so little, ${G.title}!`])),
          r.pick([`Then they walked in the woods and looked at the birds.`, `Then they worked in the garden and picked red tomatoes.`]),
        ];
    const home: Paragraph = [
      r.pick([`When the sun went down, it was time to go home.`, `Too soon, it was time to say goodbye.`]),
      sayAfter(G, 'hugged ' + A.him, r.pick([`Come back soon, ${A.name}.`, `I love you, ${A.name}. See you soon.`])),
      say(c, A, r.pick([`I will, ${G.title}! I love you too.`, `I had the best day, ${G.title}!`])),
      r.oneOf(
        () => `On the way home, ${A.name} fell asleep with a smile on ${A.his} face.`,
        () => `That night, ${A.name} dreamed about ${possessive(G.title)} ${farm ? 'farm' : 'house'}.`,
        () => `${A.name} could not wait to visit ${G.title} again.`,
      ),
    ];
    return [intro, go, there, home];
  },
};
