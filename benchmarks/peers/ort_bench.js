#!/usr/bin/env node
// ONNX Runtime (onnxruntime-node, CPU) latency of one model at batch 1, for side-by-side runs.
//
//   node benchmarks/peers/ort_bench.js MODEL.onnx --shape 1,3,224,224 [--threads 2] [--min-time S]
//
// Prints one JSON line: {"model", "threads", "iters", "median_ms", "p90_ms"}. The input is filled
// with the same fixed pattern as benchmarks/model_bench.cc; the time is session.run() alone.
'use strict';

const path = require('path');
const ROOT = path.resolve(__dirname, '../..');
const ort = require(path.join(ROOT, 'third_party/npm/node_modules/onnxruntime-node'));
const { openSession } = require(path.join(ROOT, 'scripts/ort_session.js'));

async function main() {
  const args = process.argv.slice(2);
  const model = args[0];
  let shape = [1, 3, 224, 224], threads = 2, minTime = 3;
  for (let i = 1; i < args.length; i += 2) {
    if (args[i] === '--shape') shape = args[i + 1].split(',').map(Number);
    else if (args[i] === '--threads') threads = Number(args[i + 1]);
    else if (args[i] === '--min-time') minTime = Number(args[i + 1]);
    else throw new Error(`unknown argument ${args[i]}`);
  }
  const session = await openSession(model, threads);  // ORT's defaults: sequential, all optimizations
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; ++i) data[i] = ((i * 7919) % 255) / 255 - 0.5;
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, shape) };
  for (let i = 0; i < 3; ++i) await session.run(feeds);
  const times = [];
  const start = process.hrtime.bigint();
  while (Number(process.hrtime.bigint() - start) / 1e9 < minTime || times.length < 5) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  console.log(JSON.stringify({ model: path.basename(model), threads, iters: times.length,
    median_ms: q(0.5), p90_ms: q(0.9) }));
}

main().catch((e) => { console.error(`ort_bench: ${e.message}`); process.exit(1); });
