// Serves a bundled edge worker (the path in argv[2]) with Bun.serve on 127.0.0.1:argv[3].
// Started and stopped by tests/edge/runtimes_test.ts.
const [path, port] = process.argv.slice(2);
const { default: worker } = await import(path);
Bun.serve({ hostname: "127.0.0.1", port: Number(port), fetch: (request) => worker.fetch(request) });
