/** Learning something: the hero wants to learn a skill, fails at first, practises with help, and succeeds. */
import type { Char } from '../cast.js';
import type { StoryContext } from '../context.js';
import { feels, helperIntro, oneDay, opening, say, type Paragraph } from '../scenes.js';
import type { Plot } from './plot.js';

/** A skill, with the sentences of its three steps for hero `a`. */
interface Skill {
  /** "ride a bike" */
  readonly learn: string;
  /** Who the hero sees doing it. */
  see(a: Char): string;
  /** A failed first try. */
  fail(a: Char): string;
  /** The tip the helper gives. */
  readonly tip: string;
  /** Success. */
  succeed(a: Char): string;
}

const PERSON_SKILLS: readonly Skill[] = [
  {
    learn: 'ride a bike',
    see: (a) => `${a.name} saw the big kids ride their bikes down the street.`,
    fail: (a) => `${a.name} got on the bike and pushed the pedals, but the bike wobbled and ${a.he} fell down.`,
    tip: 'Look ahead, not down, and keep pushing the pedals.',
    succeed: (a) => `${a.name} pushed the pedals and looked ahead, and the bike went straight down the street!`,
  },
  {
    learn: 'swim',
    see: (a) => `${a.name} saw the other children swim in the big pool.`,
    fail: (a) => `${a.name} put ${a.his} face in the water, but ${a.he} got water in ${a.his} nose and came up coughing.`,
    tip: 'Kick your legs and move your arms slowly, like a frog.',
    succeed: (a) => `${a.name} kicked ${a.his} legs and moved ${a.his} arms, and ${a.he} swam all the way across the pool!`,
  },
  {
    learn: 'tie my shoes',
    see: (a) => `${a.name} saw ${a.his} friends tie their own shoes.`,
    fail: (a) => `${a.name} tried to make a bow, but the laces got all tangled up.`,
    tip: 'Make two loops, like bunny ears, and cross them over.',
    succeed: (a) => `${a.name} made two bunny ears, crossed them and pulled, and there was a perfect bow!`,
  },
  {
    learn: 'whistle',
    see: (a) => `${a.name} heard ${a.his} friend whistle a happy song.`,
    fail: (a) => `${a.name} made a round mouth and blew, but only air came out.`,
    tip: 'Make your lips small and round, and blow very softly.',
    succeed: (a) => `${a.name} made ${a.his} lips small and blew softly, and a clear whistle came out!`,
  },
  {
    learn: 'skate',
    see: (a) => `${a.name} saw a girl skate fast and smooth down the path.`,
    fail: (a) => `${a.name} put on the skates and stood up, but ${a.his} feet rolled away and ${a.he} sat down with a bump.`,
    tip: 'Bend your knees a little and take small steps first.',
    succeed: (a) => `${a.name} bent ${a.his} knees and pushed, and ${a.he} skated all the way down the path!`,
  },
  {
    learn: 'swing by myself',
    see: (a) => `${a.name} saw the big kids swing high all by themselves.`,
    fail: (a) => `${a.name} sat on the swing and wiggled, but the swing did not move.`,
    tip: 'Lean back and kick your legs out, then lean forward and tuck them in.',
    succeed: (a) => `${a.name} leaned back and kicked, leaned forward and tucked, and the swing went higher and higher!`,
  },
  {
    learn: 'jump rope',
    see: (a) => `${a.name} saw the big girls and boys jump rope in the yard.`,
    fail: (a) => `${a.name} swung the rope, but it caught on ${a.his} feet every time.`,
    tip: 'Swing the rope, and jump just when it comes to your feet.',
    succeed: (a) => `${a.name} swung the rope and jumped at just the right time, again and again!`,
  },
];

const ANIMAL_SKILLS: readonly Skill[] = [
  {
    learn: 'fly',
    see: (a) => `${a.name} saw the big birds fly high in the sky.`,
    fail: (a) => `${a.name} flapped ${a.his} wings and jumped from a low branch, but ${a.he} fell into the soft grass.`,
    tip: 'Spread your wings wide and flap them hard and fast.',
    succeed: (a) => `${a.name} spread ${a.his} wings wide and flapped hard, and ${a.he} went up, up, up into the sky!`,
  },
  {
    learn: 'swim',
    see: (a) => `${a.name} saw the ducks swim on the pond.`,
    fail: (a) => `${a.name} jumped into the water, but ${a.he} splashed and splashed and went back to the shore.`,
    tip: 'Kick your legs slowly, and do not be afraid of the water.',
    succeed: (a) => `${a.name} kicked ${a.his} legs slowly, and ${a.he} swam across the pond!`,
  },
  {
    learn: 'climb a tree',
    see: (a) => `${a.name} saw a squirrel climb up a tall tree.`,
    fail: (a) => `${a.name} tried to climb, but ${a.his} feet slipped and ${a.he} slid down.`,
    tip: 'Hold on tight and go one step at a time.',
    succeed: (a) => `${a.name} held on tight and climbed one step at a time, all the way to a high branch!`,
  },
  {
    learn: 'jump high',
    see: (a) => `${a.name} saw a frog jump over a big log.`,
    fail: (a) => `${a.name} jumped, but ${a.he} landed on top of the log with a bump.`,
    tip: 'Bend your legs first, and then push hard.',
    succeed: (a) => `${a.name} bent ${a.his} legs and pushed hard, and ${a.he} jumped right over the log!`,
  },
];

/** Skills an animal of this kind can learn. */
function animalSkills(c: StoryContext): readonly Skill[] {
  const k = c.hero.kind!.id;
  if (k === 'bird') return [ANIMAL_SKILLS[0]!];
  if (k === 'duck') return [ANIMAL_SKILLS[1]!, ANIMAL_SKILLS[3]!];
  if (k === 'frog' || k === 'rabbit') return [ANIMAL_SKILLS[1]!, ANIMAL_SKILLS[3]!];
  return [ANIMAL_SKILLS[1]!, ANIMAL_SKILLS[2]!, ANIMAL_SKILLS[3]!];
}

export const learning: Plot = {
  id: 'learning',
  summary: 'the hero learns a skill: fails, practises with help, succeeds',
  tell(c) {
    const A = c.hero, r = c.r;
    const s = r.pick(A.person ? PERSON_SKILLS : animalSkills(c));
    const H = r.chance(0.6) ? c.parent() : c.friend({ person: A.person });
    const intro = opening(c);
    const want: Paragraph = [
      `${r.pick([oneDay(c), 'One summer day', 'Last spring'])}, ${s.see(A)}`,
      say(c, A, r.pick([`I want to ${s.learn} too!`, `I wish I could ${s.learn} like that.`, `I want to learn to ${s.learn}!`])),
      r.oneOf(
        () => `So ${A.name} gave it a try.`,
        () => `${A.name} wanted to try right away.`,
      ),
      s.fail(A),
      feels(c, A, r.pick(['sad', 'upset'])),
      say(c, A, r.pick([`I can not do it!`, `It is too hard!`])),
    ];
    const help: Paragraph = [
      r.oneOf(
        () => `${helperIntro(c, H)} came and sat next to ${A.name}.`,
        () => `${helperIntro(c, H)} saw what happened and came over.`,
      ),
      say(c, H, r.pick([
        `Everyone falls at first. Let's try again together.`,
        `Don't give up, ${A.name}. Here is a trick.`,
      ])),
      `"${s.tip}"`,
      r.oneOf(
        () => `${A.name} tried again, and again, and again.`,
        () => `${A.name} practiced every day.`,
      ),
      r.pick([`It was hard, but ${A.name} did not give up.`, `Some days were hard, but ${A.name} kept trying.`, `${A.he} fell many times, but ${A.he} always got up again.`]),
    ];
    const win: Paragraph = [
      `At last, ${s.succeed(A)}`,
      say(c, A, r.pick([`I did it! I can ${s.learn}!`, `Look at me! I did it!`]), 'shouted'),
      say(c, H, r.pick([`I am so proud of you, ${A.name}!`, `You did it because you kept trying!`])),
      r.oneOf(
        () => `${A.name} felt very proud.`,
        () => `${A.name} learned that practice helps you get better.`,
        () => `That night, ${A.name} told everyone, "I can ${s.learn} now!"`,
      ),
    ];
    return [intro, want, help, win];
  },
};
