/**
 * A gradient for Conv2D written with conv2d ops, registered by the example (not the library):
 * tf.js 4.22's wasm backend has no `Conv2DBackpropFilter` kernel, so training a convolution there
 * throws, and the cpu backend's kernel takes ~40 s per batch of 256 (docs/architecture.md,
 * "Runtime facts"). The filter gradient is itself a convolution: with the batch as the channel axis,
 * dW[kh, kw, ci, co] = Σ_{n, oh, ow} x[n, oh + kh, ow + kw, ci] · dy[n, oh, ow, co]
 * = conv2d(xᵀ, dyᵀ), x transposed to [ci, H, W, n] and dy to [OH, OW, n, co] (stride 1).
 * @module
 */

import * as tf from "@tensorflow/tfjs";

/** Attributes of a Conv2D node the replacement gradient supports. */
interface Conv2DAttrs {
  strides: number | [number, number];
  pad: "valid" | "same" | number;
  dataFormat: "NHWC" | "NCHW";
  dilations: number | [number, number];
}

const isOne = (v: number | [number, number]) =>
  Array.isArray(v) ? v[0] === 1 && v[1] === 1 : v === 1;

/**
 * dW of a stride-1, dilation-1, "valid", NHWC convolution, computed with conv2d:
 * x [N, H, W, Ci], dy [N, OH, OW, Co] → [KH, KW, Ci, Co].
 */
export function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const xt = tf.transpose(x, [3, 1, 2, 0]); // [Ci, H, W, N]: channels-in as the batch
    const dyt = tf.transpose(dy, [1, 2, 0, 3]); // [OH, OW, N, Co]: a filter over N channels
    const dw = tf.conv2d(xt, dyt, 1, "valid"); // [Ci, KH, KW, Co]
    return tf.transpose(dw, [1, 2, 0, 3]);
  });
}

/**
 * dx of a stride-1, dilation-1, "valid", NHWC convolution as a "full" convolution: dy padded by
 * the kernel size − 1 on each side, convolved with the filter rotated by 180° and its channel axes
 * swapped. dy [N, OH, OW, Co], filter [KH, KW, Ci, Co] → [N, OH + KH − 1, OW + KW − 1, Ci]. On
 * tf.js 4.22's wasm backend this goes through its fast Conv2D kernel, about 4× faster than its
 * Conv2DBackpropInput for the LeNet's second layer, with the same float32 sums in the same order
 * (tests/examples/multimnist_test.ts checks the values are bitwise those of tf.conv2dTranspose).
 */
export function conv2dInputGrad(dy: tf.Tensor4D, filter: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw] = filter.shape;
    const rotated = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]); // [KH, KW, Co, Ci]
    return tf.conv2d(dy, rotated as tf.Tensor4D, 1, [[0, 0], [kh - 1, kh - 1], [kw - 1, kw - 1], [
      0,
      0,
    ]]);
  });
}

/**
 * Replaces the Conv2D gradient for every backend by one that needs only the Conv2D kernel. Supports what the example's LeNet uses (stride 1, dilation 1,
 * "valid" padding, NHWC) and throws a clear error for anything else.
 */
export function registerConv2dGradient(): void {
  tf.registerGradient({
    kernelName: "Conv2D",
    inputsToSave: ["x", "filter"],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const { strides, pad, dataFormat, dilations } = attrs as unknown as Conv2DAttrs;
      if (!isOne(strides) || !isOne(dilations) || pad !== "valid" || dataFormat !== "NHWC") {
        throw new RangeError(
          `Cannot differentiate conv2d: the example's gradient supports stride 1, dilation 1, ` +
            `"valid" padding and NHWC, found strides ${strides}, dilations ${dilations}, ` +
            `pad ${pad}, ${dataFormat}`,
        );
      }
      const g = dy as tf.Tensor4D;
      return {
        x: () => conv2dInputGrad(g, filter),
        filter: () => conv2dFilterGrad(x, g),
      };
    },
  });
}
