/**
 * A small Adam optimizer (Kingma & Ba 2015, Algorithm 1, bias-corrected) for the examples.
 * Defaults are PyTorch's and TensorFlow's: β1 = 0.9, β2 = 0.999, ε = 1e-8, with ε added to the
 * bias-corrected √v̂ as in the paper and PyTorch. Moments are kept in float64 whatever the
 * parameters' type.
 * @module
 */

/** Hyperparameters of {@linkcode Adam}. */
export interface AdamOptions {
  /** Step size α; default 0.001. */
  lr?: number;
  /** Decay of the first moment; default 0.9. */
  beta1?: number;
  /** Decay of the second moment; default 0.999. */
  beta2?: number;
  /** Added to √v̂ in the denominator; default 1e-8. */
  eps?: number;
}

/** Adam over one flat parameter vector: `step(params, grad)` updates `params` in place. */
export class Adam {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  #m: Float64Array;
  #v: Float64Array;
  #t = 0;

  /** An optimizer for `size` parameters, with zero moments. */
  constructor(size: number, options: AdamOptions = {}) {
    if (!Number.isInteger(size) || size < 0) {
      throw new RangeError(`Cannot create Adam: size must be a whole number, found ${size}`);
    }
    this.lr = options.lr ?? 0.001;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.#m = new Float64Array(size);
    this.#v = new Float64Array(size);
  }

  /** Number of steps taken so far. */
  get steps(): number {
    return this.#t;
  }

  /** One descent step: params ← params − lr·m̂/(√v̂ + ε), with this step's gradient `grad`. */
  step(params: Float64Array | Float32Array, grad: ArrayLike<number>): void {
    const n = this.#m.length;
    if (params.length !== n || grad.length !== n) {
      throw new RangeError(
        `Cannot take an Adam step: expected ${n} parameters and gradients, found ${params.length} and ${grad.length}`,
      );
    }
    this.#t++;
    const { beta1, beta2 } = this;
    const bc1 = 1 - beta1 ** this.#t;
    const bc2 = 1 - beta2 ** this.#t;
    const m = this.#m;
    const v = this.#v;
    for (let k = 0; k < n; k++) {
      const g = grad[k];
      m[k] = beta1 * m[k] + (1 - beta1) * g;
      v[k] = beta2 * v[k] + (1 - beta2) * g * g;
      params[k] -= (this.lr * (m[k] / bc1)) / (Math.sqrt(v[k] / bc2) + this.eps);
    }
  }

  /** Forgets the moments and the step count. */
  reset(): void {
    this.#m.fill(0);
    this.#v.fill(0);
    this.#t = 0;
  }
}
