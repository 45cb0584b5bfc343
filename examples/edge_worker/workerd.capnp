# Serves the edge worker with workerd, the open-source Cloudflare Workers runtime, on the SIMD core.
# Build first (`npm run bundle` writes dist/edge/), then from the repository root:
#   node_modules/@cloudflare/workerd-linux-64/bin/workerd serve examples/edge_worker/workerd.capnp
# and POST to http://127.0.0.1:8787/ (`--socket-addr http=127.0.0.1:PORT` picks another port).
# workerd refuses to compile WebAssembly from bytes, so the worker takes the core as the module
# core.wasm, which the runtime compiles; worker.mjs imports it as "./core.wasm".
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "surgery", worker = .surgeryWorker)],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "surgery")],
);

const surgeryWorker :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "../../dist/edge/worker.mjs"),
    (name = "core.wasm", wasm = embed "../../dist/edge/core.wasm"),
  ],
  compatibilityDate = "2025-01-01",
);
