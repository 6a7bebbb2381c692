/**
 * The world of the embedded corpus: who can be in a story (kinds of characters, their names and
 * pronouns, the grown-ups), what they own (toys), where stories happen (places, with hiding spots
 * and things to do), and the small words that colour them (colours, feelings, snacks, weather).
 * Everything here was written for storygrad. The lists are frozen and exported so that probes can
 * build held-out prompts from the same world; the plots draw only from these lists.
 *
 * Names are chosen so none of them is also an ordinary word of the corpus ("Rose", "Sunny" and
 * "Robin" would be), which lets tests find every name in a text by spelling alone.
 */

/** Freezes a value and everything reachable from it (the lexicon is shared, read-only data). */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Subject pronoun of a character; the other forms follow from it (see grammar.ts). */
export type Pronoun = 'she' | 'he' | 'they';

/** The kinds of characters a story can be about. */
export type KindId = 'girl' | 'boy' | 'kid' | 'dog' | 'cat' | 'bird' | 'bear' | 'rabbit' | 'duck' | 'fox' | 'mouse' | 'frog';

/** A kind of character. */
export interface Kind {
  readonly id: KindId;
  /** Singular noun: "girl", "dog". */
  readonly noun: string;
  /** Plural noun: "girls", "mice". */
  readonly plural: string;
  /** Children take their names from {@link PERSON_NAMES}, animals from {@link ANIMAL_NAMES}. */
  readonly person: boolean;
  /** Pronouns a character of this kind may have. */
  readonly pronouns: readonly Pronoun[];
  /** Completes "lived ...": "in a little house near the woods". */
  readonly home: string;
  /** How it gets about: [base, past], e.g. ["hop", "hopped"]. */
  readonly move: readonly [string, string];
  /** The sound it makes, past tense ("barked"), or null. */
  readonly sound: string | null;
}

const kinds: Kind[] = [
  { id: 'girl', noun: 'girl', plural: 'girls', person: true, pronouns: ['she'], home: 'in a little house with a red door', move: ['run', 'ran'], sound: null },
  { id: 'boy', noun: 'boy', plural: 'boys', person: true, pronouns: ['he'], home: 'in a little house near the park', move: ['run', 'ran'], sound: null },
  { id: 'kid', noun: 'kid', plural: 'kids', person: true, pronouns: ['they'], home: 'in a small house at the end of the street', move: ['run', 'ran'], sound: null },
  { id: 'dog', noun: 'dog', plural: 'dogs', person: false, pronouns: ['she', 'he'], home: 'in a house with a big yard', move: ['run', 'ran'], sound: 'barked' },
  { id: 'cat', noun: 'cat', plural: 'cats', person: false, pronouns: ['she', 'he'], home: 'in a warm house with a soft bed', move: ['run', 'ran'], sound: 'meowed' },
  { id: 'bird', noun: 'bird', plural: 'birds', person: false, pronouns: ['she', 'he'], home: 'in a nest at the top of a tall tree', move: ['fly', 'flew'], sound: 'chirped' },
  { id: 'bear', noun: 'bear', plural: 'bears', person: false, pronouns: ['she', 'he'], home: 'in a big cave in the woods', move: ['walk', 'walked'], sound: 'growled' },
  { id: 'rabbit', noun: 'rabbit', plural: 'rabbits', person: false, pronouns: ['she', 'he'], home: 'in a hole under an old tree', move: ['hop', 'hopped'], sound: null },
  { id: 'duck', noun: 'duck', plural: 'ducks', person: false, pronouns: ['she', 'he'], home: 'by a quiet pond', move: ['waddle', 'waddled'], sound: 'quacked' },
  { id: 'fox', noun: 'fox', plural: 'foxes', person: false, pronouns: ['she', 'he'], home: 'in a den at the edge of the woods', move: ['run', 'ran'], sound: null },
  { id: 'mouse', noun: 'mouse', plural: 'mice', person: false, pronouns: ['she', 'he'], home: 'in a tiny hole in the wall', move: ['run', 'ran'], sound: 'squeaked' },
  { id: 'frog', noun: 'frog', plural: 'frogs', person: false, pronouns: ['she', 'he'], home: 'on a big green leaf by the pond', move: ['hop', 'hopped'], sound: 'croaked' },
];

/** Every kind of character, by id. */
export const KINDS: Readonly<Record<KindId, Kind>> = deepFreeze(Object.fromEntries(kinds.map((k) => [k.id, k])) as Record<KindId, Kind>);

/** Names of children by pronoun: girls (she), boys (he), kids (they). */
export const PERSON_NAMES: Readonly<Record<Pronoun, readonly string[]>> = Object.freeze({
  she: Object.freeze(['Lily', 'Mia', 'Sue', 'Anna', 'Emma', 'Lucy', 'Zoe', 'Ella', 'Amy', 'Kate', 'Nora', 'Jane',
    'Lola', 'Maya', 'Sara', 'Molly', 'Ellie', 'Hannah', 'Chloe', 'Tina', 'Julia', 'Clara', 'Nina', 'Susie']),
  he: Object.freeze(['Tom', 'Ben', 'Max', 'Tim', 'Jack', 'Leo', 'Finn', 'Jake', 'Noah', 'Dan', 'Bob', 'Joe',
    'Luke', 'Owen', 'Eli', 'Theo', 'Ned', 'Pete', 'Jim', 'Ryan', 'Adam', 'Timmy', 'Oliver', 'Henry']),
  they: Object.freeze(['Sam', 'Alex', 'Jamie', 'Riley', 'Charlie', 'Rory', 'Remy', 'Quinn']),
});

/** Names of animals by pronoun (some names are shared by both lists). */
export const ANIMAL_NAMES: Readonly<Record<'she' | 'he', readonly string[]>> = Object.freeze({
  she: Object.freeze(['Bella', 'Penny', 'Lulu', 'Fifi', 'Polly', 'Coco', 'Pip', 'Hoppy', 'Ziggy', 'Momo', 'Tiki', 'Dotty']),
  he: Object.freeze(['Rex', 'Bruno', 'Oscar', 'Milo', 'Toby', 'Benny', 'Bingo', 'Pip', 'Hoppy', 'Ziggy', 'Momo', 'Tiki']),
});

/** A grown-up of the hero's family. */
export interface Adult {
  readonly id: 'mom' | 'dad' | 'grandma' | 'grandpa';
  /** How the narration calls them after "her"/"his"/"their": "mom". */
  readonly noun: string;
  /** How the hero calls them: "Mom". */
  readonly title: string;
  readonly pronoun: Pronoun;
}

/** The grown-ups: mom, dad, grandma, grandpa. */
export const ADULTS: readonly Adult[] = Object.freeze([
  Object.freeze({ id: 'mom', noun: 'mom', title: 'Mom', pronoun: 'she' } as const),
  Object.freeze({ id: 'dad', noun: 'dad', title: 'Dad', pronoun: 'he' } as const),
  Object.freeze({ id: 'grandma', noun: 'grandma', title: 'Grandma', pronoun: 'she' } as const),
  Object.freeze({ id: 'grandpa', noun: 'grandpa', title: 'Grandpa', pronoun: 'he' } as const),
]);

/** Colours for toys (and a few other things). */
export const COLORS: readonly string[] = Object.freeze(['red', 'blue', 'green', 'yellow', 'pink', 'purple', 'orange', 'white']);

/** A toy or other thing a character owns. */
export interface Toy {
  /** Noun phrase without article: "ball", "teddy bear". */
  readonly noun: string;
  /** Whether a colour may describe it. */
  readonly colored: boolean;
  /** Other describing words that fit it. */
  readonly adjectives: readonly string[];
  /** Things to do with it: [base, past] with `$` where the toy goes ("kick $", "kicked $"). */
  readonly play: readonly (readonly [string, string])[];
}

const toys: Toy[] = [
  { noun: 'ball', colored: true, adjectives: ['big', 'bouncy', 'shiny'], play: [['kick $', 'kicked $'], ['throw $ high', 'threw $ high'], ['bounce $', 'bounced $']] },
  { noun: 'kite', colored: true, adjectives: ['big', 'long'], play: [['fly $', 'flew $'], ['fly $ in the wind', 'flew $ in the wind']] },
  { noun: 'doll', colored: false, adjectives: ['soft', 'pretty', 'little'], play: [['hug $', 'hugged $'], ['play with $', 'played with $'], ['dress $', 'dressed $']] },
  { noun: 'teddy bear', colored: false, adjectives: ['soft', 'fluffy', 'brown', 'old'], play: [['hug $', 'hugged $'], ['play with $', 'played with $'], ['sleep with $', 'slept with $']] },
  { noun: 'toy car', colored: true, adjectives: ['fast', 'shiny', 'little'], play: [['push $ around', 'pushed $ around'], ['race $', 'raced $'], ['play with $', 'played with $']] },
  { noun: 'toy boat', colored: true, adjectives: ['little', 'wooden'], play: [['sail $', 'sailed $'], ['play with $', 'played with $']] },
  { noun: 'drum', colored: true, adjectives: ['little', 'loud', 'shiny'], play: [['play $', 'played $'], ['bang on $', 'banged on $']] },
  { noun: 'book', colored: true, adjectives: ['big', 'old', 'new'], play: [['read $', 'read $'], ['look at $', 'looked at $']] },
  { noun: 'hat', colored: true, adjectives: ['big', 'soft', 'funny'], play: [['wear $', 'wore $']] },
  { noun: 'balloon', colored: true, adjectives: ['big', 'shiny'], play: [['hold $', 'held $'], ['play with $', 'played with $']] },
  { noun: 'toy train', colored: true, adjectives: ['little', 'long', 'wooden'], play: [['push $', 'pushed $'], ['play with $', 'played with $']] },
  { noun: 'robot', colored: true, adjectives: ['little', 'shiny', 'funny'], play: [['play with $', 'played with $'], ['make $ walk', 'made $ walk']] },
  { noun: 'scarf', colored: true, adjectives: ['soft', 'long', 'warm'], play: [['wear $', 'wore $']] },
  { noun: 'puppet', colored: false, adjectives: ['funny', 'little', 'soft'], play: [['play with $', 'played with $'], ['make $ dance', 'made $ dance']] },
  { noun: 'umbrella', colored: true, adjectives: ['big', 'little'], play: [['open $', 'opened $'], ['hold $', 'held $']] },
  { noun: 'crown', colored: false, adjectives: ['shiny', 'gold', 'little'], play: [['wear $', 'wore $']] },
];

/** Toys and things a character can own, lose, share or get as a present. */
export const TOYS: readonly Toy[] = deepFreeze(toys);

/** A place where a story happens. */
export interface Place {
  readonly id: 'park' | 'beach' | 'garden' | 'woods' | 'pond' | 'farm' | 'hill' | 'yard' | 'meadow';
  /** "the park". */
  readonly name: string;
  /** "in the park", "at the beach". */
  readonly at: string;
  /** Where a lost thing can be, completes "It was ...": "under the slide". */
  readonly spots: readonly string[];
  /** Things to do there: [base, past], e.g. ["play on the swings", "played on the swings"]. */
  readonly activities: readonly (readonly [string, string])[];
  /** Things one sees there, with article: "a tall tree". */
  readonly sights: readonly string[];
}

const places: Place[] = [
  {
    id: 'park', name: 'the park', at: 'in the park',
    spots: ['under the slide', 'behind a big tree', 'in the tall grass', 'under a bench', 'near the swings'],
    activities: [['play on the swings', 'played on the swings'], ['go down the slide', 'went down the slide'], ['run on the grass', 'ran on the grass']],
    sights: ['a big slide', 'a tall tree', 'a red bench', 'some swings'],
  },
  {
    id: 'beach', name: 'the beach', at: 'at the beach',
    spots: ['in the sand', 'behind a big rock', 'near the water', 'under a pile of seaweed'],
    activities: [['dig in the sand', 'dug in the sand'], ['look for shells', 'looked for shells'], ['splash in the waves', 'splashed in the waves']],
    sights: ['the blue sea', 'a big rock', 'some pretty shells', 'a little crab'],
  },
  {
    id: 'garden', name: 'the garden', at: 'in the garden',
    spots: ['under a bush', 'behind the flowers', 'near the fence', 'under a big leaf'],
    activities: [['smell the flowers', 'smelled the flowers'], ['water the plants', 'watered the plants'], ['look at the bugs', 'looked at the bugs']],
    sights: ['many pretty flowers', 'a tall sunflower', 'a little bug', 'a busy bee'],
  },
  {
    id: 'woods', name: 'the woods', at: 'in the woods',
    spots: ['under a log', 'behind a tree', 'under some leaves', 'near a big stone'],
    activities: [['walk on the path', 'walked on the path'], ['pick berries', 'picked berries'], ['climb on the logs', 'climbed on the logs']],
    sights: ['tall trees', 'an old log', 'a little squirrel', 'some red berries'],
  },
  {
    id: 'pond', name: 'the pond', at: 'by the pond',
    spots: ['near the water', 'under a rock', 'in the tall grass', 'behind a tree'],
    activities: [['watch the ducks', 'watched the ducks'], ['throw stones in the water', 'threw stones in the water'], ['look at the fish', 'looked at the fish']],
    sights: ['some ducks', 'a little fish', 'a green frog', 'clear water'],
  },
  {
    id: 'farm', name: 'the farm', at: 'on the farm',
    spots: ['in the hay', 'behind the barn', 'near the fence', 'under a cart'],
    activities: [['feed the hens', 'fed the hens'], ['pet the cows', 'petted the cows'], ['play in the hay', 'played in the hay']],
    sights: ['a big red barn', 'some cows', 'a little lamb', 'a pig in the mud'],
  },
  {
    id: 'hill', name: 'the hill', at: 'on the hill',
    spots: ['behind a rock', 'in the tall grass', 'under a tree', 'near the top'],
    activities: [['roll down the grass', 'rolled down the grass'], ['look at the clouds', 'looked at the clouds'], ['run in the wind', 'ran in the wind']],
    sights: ['the whole town', 'white clouds', 'a lonely tree', 'the blue sky'],
  },
  {
    id: 'yard', name: 'the yard', at: 'in the yard',
    spots: ['under the steps', 'behind the shed', 'near the fence', 'in the sandbox'],
    activities: [['play in the sandbox', 'played in the sandbox'], ['jump on the grass', 'jumped on the grass'], ['play tag', 'played tag']],
    sights: ['a little shed', 'a sandbox', 'a tall fence', 'an apple tree'],
  },
  {
    id: 'meadow', name: 'the meadow', at: 'in the meadow',
    spots: ['in the tall grass', 'under some flowers', 'near a big stone', 'behind a bush'],
    activities: [['pick flowers', 'picked flowers'], ['chase butterflies', 'chased butterflies'], ['lie in the grass', 'lay in the grass']],
    sights: ['many flowers', 'a yellow butterfly', 'a little bee', 'green grass'],
  },
];

/** Places where stories happen. */
export const PLACES: readonly Place[] = deepFreeze(places);

/** Where a lost thing can be at home. */
export const HOME_SPOTS: readonly string[] = Object.freeze(['under the bed', 'behind the couch', 'in the toy box', 'under the table', 'behind the door']);

/** A snack: one and many, e.g. { one: "cookie", many: "cookies" }. */
export interface Snack {
  readonly one: string;
  readonly many: string;
}

/** Snacks to share, bake or eat. */
export const SNACKS: readonly Snack[] = Object.freeze([
  { one: 'cookie', many: 'cookies' }, { one: 'apple', many: 'apples' }, { one: 'cupcake', many: 'cupcakes' },
  { one: 'strawberry', many: 'strawberries' }, { one: 'muffin', many: 'muffins' }, { one: 'orange', many: 'oranges' },
  { one: 'sandwich', many: 'sandwiches' }, { one: 'banana', many: 'bananas' },
].map((s) => Object.freeze(s)));

/** Feelings, good and bad. */
export const FEELINGS: Readonly<{ good: readonly string[]; bad: readonly string[] }> = Object.freeze({
  good: Object.freeze(['happy', 'glad', 'proud', 'excited', 'brave', 'calm']),
  bad: Object.freeze(['sad', 'scared', 'angry', 'worried', 'lonely', 'upset']),
});

/** Describing words for a character in its introduction ("a little girl named Lily"). */
export const CHARACTER_ADJECTIVES: readonly string[] = Object.freeze(['little', 'small', 'happy', 'kind', 'friendly', 'curious']);

/** Number words used for counts. */
export const NUMBER_WORDS: readonly string[] = Object.freeze(['two', 'three', 'four', 'five']);
