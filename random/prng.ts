/**
 * Seeded pseudo-random stream for task orders (docs/methods.md, "Randomness": an explicit
 * seed, one permutation per task i). xoshiro128** (Blackman & Vigna) seeded through
 * splitmix32 from the bits of a float64 seed; integers below n by rejection, so every
 * permutation is equally likely.
 * @module
 */

/** A deterministic 32-bit generator whose whole state is four numbers (JSON-friendly). */
export class Prng {
  #s: Uint32Array;

  /** Seeds the stream from any finite number (its float64 bits, so 1 and 1.5 differ). */
  constructor(seed: number) {
    const bits = new Uint32Array(new Float64Array([seed]).buffer);
    let x = (bits[0] ^ Math.imul(bits[1], 0x9e3779b9)) >>> 0;
    this.#s = new Uint32Array(4);
    for (let i = 0; i < 4; i++) {
      // splitmix32 step
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.#s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if (this.#s.every((v) => v === 0)) this.#s[0] = 1;
  }

  /** Next uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform integer in [0, n) for 1 ≤ n ≤ 2³², without modulo bias. */
  below(n: number): number {
    const limit = 0x100000000 - (0x100000000 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** Uniform float in [0, 1) with 32 random bits. */
  nextFloat(): number {
    return this.nextUint32() / 0x100000000;
  }

  /** A uniformly random permutation of `items` (Fisher–Yates); `items` is not changed. */
  shuffle<T>(items: readonly T[]): T[] {
    const a = items.slice();
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
    return a;
  }

  /** The generator state, for checkpoints. */
  getState(): number[] {
    return Array.from(this.#s);
  }

  /** Restores a state returned by getState. */
  setState(state: readonly number[]): void {
    if (state.length !== 4 || state.some((v) => !Number.isInteger(v) || v < 0 || v >= 2 ** 32)) {
      throw new RangeError(
        `Cannot restore PRNG state: expected four 32-bit unsigned integers, found ${
          JSON.stringify(state)
        }`,
      );
    }
    this.#s = Uint32Array.from(state);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
