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
 * Replaces the Conv2D gradient for every backend by one that needs only Conv2D and
 * Conv2DBackpropInput kernels. Supports what the example's LeNet uses (stride 1, dilation 1,
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
        x: () => tf.conv2dTranspose(g, filter, x.shape, 1, "valid"),
        filter: () => conv2dFilterGrad(x, g),
      };
    },
  });
}
