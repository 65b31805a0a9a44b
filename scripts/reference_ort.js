#!/usr/bin/env node
// Runs an ONNX model in ONNX Runtime (onnxruntime-node, CPU) and writes its outputs as .npy: the
// independent reference for Saturn's FP32 results.
//
//   node scripts/reference_ort.js MODEL.onnx --input [NAME=]X.npy [...] --output OUT.npy
//   node scripts/reference_ort.js MODEL.onnx --input [NAME=]X.npy [...] --output-dir DIR
//
// --output writes the model's first output; --output-dir writes every output as DIR/<name>.npy
// ('/' and ':' in names replaced by '_'). onnxruntime-node comes from third_party/npm
// (scripts/npm_deps.sh).
'use strict';

const path = require('path');
const { writeNpy } = require('./npy.js');
const { parseInput, openSession, feedsFor } = require('./ort_session.js');

function usage(message) {
  process.stderr.write(`reference_ort: ${message}\n` +
    'usage: reference_ort.js MODEL.onnx --input [NAME=]X.npy [...] (--output OUT.npy | --output-dir DIR) [--threads N]\n');
  process.exit(2);
}

async function main() {
  const args = process.argv.slice(2);
  let model, output, outputDir, threads = 1;
  const inputs = [];
  for (let i = 0; i < args.length; ++i) {
    const a = args[i];
    const value = () => (i + 1 < args.length ? args[++i] : usage(`${a} needs a value`));
    if (a === '--input') {
      inputs.push(parseInput(value()));
    } else if (a === '--output') {
      output = value();
    } else if (a === '--output-dir') {
      outputDir = value();
    } else if (a === '--threads') {
      threads = Number(value());
    } else if (a.startsWith('-') || model) {
      usage(`unexpected argument '${a}'`);
    } else {
      model = a;
    }
  }
  if (!model || inputs.length === 0 || (!output && !outputDir)) usage('missing arguments');

  const session = await openSession(model, threads);
  const results = await session.run(feedsFor(session, model, inputs, usage));
  const write = (name, file) => {
    const t = results[name];
    writeNpy(file, Array.from(t.dims), t.data);
    process.stdout.write(`reference_ort: ${name} [${t.dims.join(', ')}] -> ${file}\n`);
  };
  if (output) write(session.outputNames[0], output);
  if (outputDir) {
    require('fs').mkdirSync(outputDir, { recursive: true });
    for (const name of session.outputNames) write(name, path.join(outputDir, name.replace(/[/:]/g, '_') + '.npy'));
  }
}

main().catch((e) => {
  process.stderr.write(`reference_ort: error: ${e.message}\n`);
  process.exit(1);
});
