/**
 * Loaded before every doc example (`--preload` in the test task): tf.js's production mode, so the
 * examples that use tf.js in Deno do not each print tf.js's "install our node backend" banner. An
 * application's choice, made here for the test run only; the library never sets it.
 * @module
 */

import { env } from "@tensorflow/tfjs-core";

env().set("PROD", true); // never IS_TEST: it turns on tf.js's test-only checks
