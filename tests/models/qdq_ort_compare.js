#!/usr/bin/env node
// Runs a QDQ ONNX model (saturn-convert --emit-qdq) in ONNX Runtime (onnxruntime-node, CPU) and
// compares its first output with Saturn INT8's output of the same input:
//   SQNR = 10 log10(sum(saturn^2) / sum((ort - saturn)^2)) in dB, which must be >= MIN_DB.
// With --ref, it also prints each one's SQNR against the FP32 reference (for information).
//
//   node qdq_ort_compare.js QDQ.onnx --input [NAME=]X.npy --saturn SATURN_OUT.npy --min-sqnr MIN_DB
//        [--ref REF.npy] [--threads N]
// Exit codes: 0 agreement, 1 SQNR below MIN_DB or an error, 2 usage.
'use strict';

const path = require('path');

const ROOT = path.resolve(__dirname, '../..');
const { readNpy } = require(path.join(ROOT, 'scripts/npy.js'));
const { parseInput, openSession, feedsFor } = require(path.join(ROOT, 'scripts/ort_session.js'));

function usage(message) {
  process.stderr.write(`qdq_ort_compare: ${message}\n` +
    'usage: qdq_ort_compare.js QDQ.onnx --input [NAME=]X.npy --saturn OUT.npy --min-sqnr DB [--ref REF.npy] [--threads N]\n');
  process.exit(2);
}

// SQNR of `test` against `signal` in dB (Infinity when they are equal).
function sqnr(signal, test) {
  let s = 0, e = 0;
  for (let i = 0; i < signal.length; ++i) {
    s += signal[i] * signal[i];
    e += (test[i] - signal[i]) * (test[i] - signal[i]);
  }
  return e === 0 ? Infinity : 10 * Math.log10(s / e);
}

function sameShape(a, b) {
  return a.length === b.length && a.every((d, i) => Number(d) === Number(b[i]));
}

async function main() {
  const args = process.argv.slice(2);
  let model, saturnFile, refFile, minDb, input, threads = 2;
  for (let i = 0; i < args.length; ++i) {
    const a = args[i];
    const value = () => (i + 1 < args.length ? args[++i] : usage(`${a} needs a value`));
    if (a === '--input') input = parseInput(value());
    else if (a === '--saturn') saturnFile = value();
    else if (a === '--ref') refFile = value();
    else if (a === '--min-sqnr') minDb = Number(value());
    else if (a === '--threads') threads = Number(value());
    else if (a.startsWith('-') || model) usage(`unexpected argument '${a}'`);
    else model = a;
  }
  if (!model || !input || !saturnFile || !(minDb > 0)) usage('missing or bad arguments');

  const session = await openSession(model, threads);
  const results = await session.run(feedsFor(session, model, [input], usage));
  const out = results[session.outputNames[0]];
  const saturn = readNpy(saturnFile);
  if (!sameShape(out.dims, saturn.shape)) {
    throw new Error(`ORT output '${session.outputNames[0]}' has dims [${out.dims}], Saturn's ${saturnFile} [${saturn.shape}]`);
  }
  const db = sqnr(saturn.data, out.data);
  let line = `qdq_ort_compare: ${path.basename(model)} output '${session.outputNames[0]}' [${out.dims.join(', ')}]: ` +
    `ORT QDQ vs Saturn INT8 SQNR ${db.toFixed(2)} dB (min ${minDb})`;
  if (refFile) {
    const ref = readNpy(refFile);
    if (sameShape(ref.shape, saturn.shape)) {
      line += `; vs FP32: Saturn INT8 ${sqnr(ref.data, saturn.data).toFixed(2)} dB, ORT QDQ ${sqnr(ref.data, out.data).toFixed(2)} dB`;
    }
  }
  process.stdout.write(line + '\n');
  if (!(db >= minDb)) {
    process.stderr.write(`qdq_ort_compare: SQNR ${db.toFixed(2)} dB is below ${minDb} dB\n`);
    process.exit(1);
  }
}

main().catch((e) => {
  process.stderr.write(`qdq_ort_compare: error: ${e.message}\n`);
  process.exit(1);
});
