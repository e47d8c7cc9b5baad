/**
 * A property-style differential test: a few hundred random stream and consumer-group commands
 * (appends with explicit ids and trims, deletes, group creation, moves, destruction, reads new and
 * pending, acknowledgements, claims, autoclaims, inspections), the same seeded sequence on a private
 * redis-server 7.0 and on the in-memory store; every reply and, every few steps, the whole state
 * must agree. A failure names the seed and step: rerun one seed with RS_DIFF_SEED=<seed>.
 */
import { after, before, describe, it } from 'node:test';
import { Differential } from './differential.js';

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GROUPS = ['g1', 'g2', 'g3'];
const CONSUMERS = ['c1', 'c2', 'c3'];
const IDLE = [['*', 2] as const];
const CONSUMERS_IDLE = [['*', 5] as const];

/** Random commands over one stream 's', with ids the generator knows (so both sides get the same). */
class Generator {
  private ms = 1;
  private seq = 0;
  readonly ids: string[] = [];

  constructor(private readonly random: () => number) {}

  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)] as T;
  }

  /** A known id, one past the end, or a small one. */
  anyId(): string {
    const r = this.random();
    if (r < 0.7 && this.ids.length > 0) return this.pick(this.ids);
    if (r < 0.85) return `${this.ms + 1}-0`;
    return `${this.int(this.ms + 1)}-${this.int(3)}`;
  }

  private newId(): string {
    if (this.random() < 0.5) this.seq++;
    else [this.ms, this.seq] = [this.ms + 1 + this.int(2), 0];
    if (this.random() < 0.05) return `${Math.max(0, this.ms - 1)}-0`;
    if (this.random() < 0.1) return `${this.ms}-*`;
    const id = `${this.ms}-${this.seq}`;
    this.ids.push(id);
    return id;
  }

  xadd(): string[] {
    const trim = this.random();
    const opts = trim < 0.1 ? ['MAXLEN', String(this.int(12))] : trim < 0.15 ? ['MINID', this.anyId()] : [];
    return ['XADD', 's', ...opts, this.newId(), 'n', String(this.ms)];
  }

  groupCommand(): string[] {
    const g = this.pick(GROUPS);
    const start = this.pick(['0', '$', this.anyId()]);
    const r = this.random();
    const read = this.random() < 0.3 ? ['ENTRIESREAD', String(this.int(this.ids.length + 1))] : [];
    if (r < 0.4) return ['XGROUP', 'CREATE', 's', g, start, ...(this.random() < 0.5 ? ['MKSTREAM'] : []), ...read];
    if (r < 0.6) return ['XGROUP', 'SETID', 's', g, start, ...read];
    if (r < 0.68) return ['XGROUP', 'DESTROY', 's', g];
    if (r < 0.84) return ['XGROUP', 'CREATECONSUMER', 's', g, this.pick(CONSUMERS)];
    return ['XGROUP', 'DELCONSUMER', 's', g, this.pick(CONSUMERS)];
  }

  read(): string[] {
    const head = ['XREADGROUP', 'GROUP', this.pick(GROUPS), this.pick(CONSUMERS), 'COUNT', String(1 + this.int(4))];
    if (this.random() < 0.7) return [...head, ...(this.random() < 0.2 ? ['NOACK'] : []), 'STREAMS', 's', '>'];
    return [...head, 'STREAMS', 's', this.pick(['0', this.anyId()])];
  }

  claim(): string[] {
    const [g, c] = [this.pick(GROUPS), this.pick(CONSUMERS)];
    if (this.random() < 0.5) {
      const ids = [this.anyId(), this.anyId()];
      const opts = [this.random() < 0.3 ? 'JUSTID' : '', this.random() < 0.2 ? 'FORCE' : ''].filter((o) => o !== '');
      return ['XCLAIM', 's', g, c, this.pick(['0', '3600000']), ...ids, ...opts];
    }
    const opts = ['COUNT', String(1 + this.int(4)), ...(this.random() < 0.3 ? ['JUSTID'] : [])];
    return ['XAUTOCLAIM', 's', g, c, this.pick(['0', '3600000']), this.pick(['0', '-', this.anyId()]), ...opts];
  }

  inspect(): { args: string[]; idle?: ReadonlyArray<ReadonlyArray<number | '*'>> } {
    const g = this.pick(GROUPS);
    switch (this.int(7)) {
      case 0:
        return { args: ['XPENDING', 's', g] };
      case 1: {
        const owner = this.random() < 0.3 ? [this.pick(CONSUMERS)] : [];
        return {
          args: ['XPENDING', 's', g, this.pick(['-', this.anyId()]), '+', String(1 + this.int(5)), ...owner],
          idle: IDLE,
        };
      }
      case 2:
        return { args: ['XINFO', 'GROUPS', 's'] };
      case 3:
        return { args: ['XINFO', 'CONSUMERS', 's', g], idle: CONSUMERS_IDLE };
      case 4:
        return {
          args: [
            'XRANGE',
            's',
            this.pick(['-', this.anyId()]),
            this.pick(['+', this.anyId()]),
            'COUNT',
            String(1 + this.int(5)),
          ],
        };
      case 5:
        return { args: ['XREVRANGE', 's', '+', this.pick(['-', this.anyId()]), 'COUNT', String(1 + this.int(5))] };
      default:
        return { args: ['XREAD', 'COUNT', String(1 + this.int(3)), 'STREAMS', 's', this.anyId()] };
    }
  }

  /** The next command, and the idle paths of its reply. */
  next(): { args: string[]; idle?: ReadonlyArray<ReadonlyArray<number | '*'>> } {
    const r = this.random();
    if (r < 0.25) return { args: this.xadd() };
    if (r < 0.33) return { args: ['XDEL', 's', this.anyId(), ...(this.random() < 0.3 ? [this.anyId()] : [])] };
    if (r < 0.37)
      return {
        args: ['XTRIM', 's', ...(this.random() < 0.5 ? ['MAXLEN', String(this.int(10))] : ['MINID', this.anyId()])],
      };
    if (r < 0.47) return { args: this.groupCommand() };
    if (r < 0.65) return { args: this.read() };
    if (r < 0.72) return { args: ['XACK', 's', this.pick(GROUPS), this.anyId(), this.anyId()] };
    if (r < 0.8) return { args: this.claim() };
    if (r < 0.805) return { args: ['DEL', 's'] };
    return this.inspect();
  }
}

const fromEnv = process.env['RS_DIFF_SEED'];
const SEEDS = fromEnv !== undefined && fromEnv !== '' ? [Number(fromEnv)] : [11, 23, 47];
const STEPS = 400;

describe('in-memory store vs redis-server: random streams and groups', () => {
  let d: Differential;
  before(async () => {
    d = await Differential.start();
  });
  after(() => d.stop());

  for (const seed of SEEDS) {
    it(`seed ${seed}: ${STEPS} random commands agree, and so does the state`, async () => {
      await d.flush();
      const gen = new Generator(prng(seed));
      for (let step = 1; step <= STEPS; step++) {
        const { args, idle } = gen.next();
        const outcome = await d.both(args);
        d.compare(`seed ${seed} step ${step}: ${args.join(' ')}`, outcome, idle === undefined ? {} : { idle });
        if (step % 20 === 0) await d.sameState(['s'], `seed ${seed} state after step ${step}`);
      }
      await d.sameState(['s'], `seed ${seed} final state`);
    });
  }
});
