// A tiny .npy reader/writer for the Node.js scripts: versions 1.0 and 2.0, C order, little-endian
// '<f4', '<i8', '<i4', '|i1', '|u1'. Anything else is rejected with an error naming the file.
'use strict';

const fs = require('fs');

const TYPES = {
  '<f4': { array: Float32Array, ort: 'float32' },
  '<i8': { array: BigInt64Array, ort: 'int64' },
  '<i4': { array: Int32Array, ort: 'int32' },
  '|i1': { array: Int8Array, ort: 'int8' },
  '|u1': { array: Uint8Array, ort: 'uint8' },
};

// Returns { descr, shape, data } where data is a typed array.
function readNpy(path) {
  const buf = fs.readFileSync(path);
  const fail = (what) => { throw new Error(`npy file '${path}': ${what}`); };
  if (buf.length < 10 || buf.readUInt8(0) !== 0x93 || buf.toString('latin1', 1, 6) !== 'NUMPY') {
    fail('not a .npy file');
  }
  const major = buf.readUInt8(6);
  let offset, headerLen;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8); offset = 10;
  } else if (major === 2) {
    headerLen = buf.readUInt32LE(8); offset = 12;
  } else {
    fail(`format version ${major} is not supported (expected 1.0 or 2.0)`);
  }
  const header = buf.toString('latin1', offset, offset + headerLen);
  const descr = (header.match(/'descr':\s*'([^']*)'/) || [])[1];
  const fortran = (header.match(/'fortran_order':\s*(True|False)/) || [])[1];
  const shapeText = (header.match(/'shape':\s*\(([^)]*)\)/) || [])[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) fail(`malformed header ${header.trim()}`);
  if (fortran === 'True') fail('fortran_order is True; only C-order arrays are supported');
  const type = TYPES[descr];
  if (!type) fail(`dtype '${descr}' is not supported (expected one of ${Object.keys(TYPES).join(', ')})`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const start = offset + headerLen;
  const bytes = count * type.array.BYTES_PER_ELEMENT;
  if (buf.length - start !== bytes) fail(`shape (${shape}) needs ${bytes} data bytes, found ${buf.length - start}`);
  const copy = new Uint8Array(bytes);
  buf.copy(copy, 0, start, start + bytes);
  return { descr, shape, data: new type.array(copy.buffer) };
}

// Writes a typed array with the given shape.
function writeNpy(path, shape, data) {
  const descr = Object.keys(TYPES).find((k) => data instanceof TYPES[k].array);
  if (!descr) throw new Error(`npy file '${path}': unsupported array type ${data.constructor.name}`);
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  const pad = (64 - ((10 + header.length + 1) % 64)) % 64;
  header += ' '.repeat(pad) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.writeUInt8(0x93, 0);
  prefix.write('NUMPY', 1, 'latin1');
  prefix.writeUInt8(1, 6);
  prefix.writeUInt8(0, 7);
  prefix.writeUInt16LE(header.length, 8);
  fs.writeFileSync(path, Buffer.concat([prefix, Buffer.from(header, 'latin1'),
    Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

module.exports = { readNpy, writeNpy, TYPES };
