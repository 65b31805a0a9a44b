// Shared by the ONNX Runtime scripts: opening a CPU session and feeding it .npy inputs.
'use strict';

const path = require('path');
const { readNpy, TYPES } = require('./npy.js');

const ROOT = path.resolve(__dirname, '..');
const ort = require(path.join(ROOT, 'third_party/npm/node_modules/onnxruntime-node'));

// '--input [NAME=]X.npy' -> { name, file } (name '' when not given).
function parseInput(text) {
  const eq = text.indexOf('=');
  return eq < 0 ? { name: '', file: text } : { name: text.slice(0, eq), file: text.slice(eq + 1) };
}

// A CPU session with `threads` intra-op threads.
function openSession(model, threads) {
  return ort.InferenceSession.create(model, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionProviders: ['cpu'],
  });
}

// The feeds for session.run: each { name, file } read as an ort.Tensor. An unnamed input is the
// model's only one; `fail(message)` reports a name the model does not have (it must not return).
function feedsFor(session, model, inputs, fail) {
  const feeds = {};
  for (const { name, file } of inputs) {
    const key = name || (session.inputNames.length === 1 ? session.inputNames[0] : fail(
      `the model has inputs ${session.inputNames.join(', ')}; name them with NAME=X.npy`));
    if (!session.inputNames.includes(key)) fail(`'${key}' is not an input of ${model} (${session.inputNames.join(', ')})`);
    const array = readNpy(file);
    feeds[key] = new ort.Tensor(TYPES[array.descr].ort, array.data, array.shape);
  }
  return feeds;
}

module.exports = { parseInput, openSession, feedsFor };
