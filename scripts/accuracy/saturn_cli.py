"""Drives Saturn's command-line tools (saturn-convert, saturn-run, node reference_ort.js) for the
accuracy scripts. Imported by fashion_mnist_eval.py and ocr_eval.py; not a CLI itself.

Binaries come from $SATURN_BIN if set, else <repo>/build/tools. Every failure raises ToolError with
the command line and the tail of its output, so a table cell can say what went wrong.
"""
import glob
import os
import shutil
import subprocess
import time

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
METHODS = ("entropy", "percentile", "max", "mse")  # entropy is the converter's default


class ToolError(RuntimeError):
    pass


def _tail(text, lines=6):
    return "\n".join(text.strip().splitlines()[-lines:])


class Saturn:
    def __init__(self, bin_dir=None, threads=2, verbose=True, reuse=False):
        """reuse: keep a model file or output folder that already exists instead of recreating it
        (for resuming an interrupted evaluation; stale if the tools or data changed since)."""
        self.bin_dir = bin_dir or os.environ.get("SATURN_BIN") or os.path.join(ROOT, "build", "tools")
        self.convert_bin = os.path.join(self.bin_dir, "saturn-convert")
        self.run_bin = os.path.join(self.bin_dir, "saturn-run")
        for b in (self.convert_bin, self.run_bin):
            if not os.access(b, os.X_OK):
                raise ToolError(f"{b} not found or not executable: build Saturn first "
                                f"(scripts/setup.sh) or point SATURN_BIN at the tools folder")
        self.threads = threads
        self.verbose = verbose
        self.reuse = reuse
        self._help = None

    def _call(self, cmd, what):
        t0 = time.time()
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        dt = time.time() - t0
        if self.verbose:
            shown = [os.path.relpath(c, ROOT) if c.startswith(ROOT + os.sep) else c for c in cmd]
            print(f"  [{dt:6.1f}s] {' '.join(shown)}", flush=True)
        if p.returncode != 0:
            raise ToolError(f"{what} failed (exit {p.returncode}): {' '.join(cmd)}\n{_tail(p.stdout)}")
        return p.stdout, dt

    def convert_help(self):
        if self._help is None:
            p = subprocess.run([self.convert_bin, "--help"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
            self._help = p.stdout
        return self._help

    def int8_available(self):
        """True when saturn-convert advertises --int8 and --calib in its usage text."""
        h = self.convert_help()
        return "--int8" in h and "--calib" in h

    def supports(self, flag):
        return flag in self.convert_help()

    def convert(self, onnx_path, out_path, input_shape=None, int8=False, calib=None, method=None,
                extra=()):
        """Converts onnx_path to out_path. input_shape: 'NAME=d0,d1,...'. Returns seconds taken."""
        if self.reuse and os.path.exists(out_path):
            return 0.0
        cmd = [self.convert_bin, onnx_path, "-o", out_path]
        if input_shape:
            cmd += ["--input-shape", input_shape]
        if int8:
            if not self.int8_available():
                raise ToolError("saturn-convert has no --int8 flag yet (INT8 is not built in this tree)")
            cmd += ["--int8", "--calib", calib]
            if method:
                cmd += ["--calib-method", method]
            if self.supports("--threads"):
                cmd += ["--threads", str(self.threads)]
        cmd += list(extra)
        return self._call(cmd, "saturn-convert")[1]

    def run(self, model_path, input_npy, out_dir):
        """Runs the model over input_npy (k model batches) and returns ({output name: array}, s)."""
        dt = 0.0
        if not (self.reuse and glob.glob(os.path.join(out_dir, "*.npy"))):
            if os.path.isdir(out_dir):
                shutil.rmtree(out_dir)
            _, dt = self._call([self.run_bin, model_path, "--input", input_npy, "--output-dir", out_dir,
                                "--threads", str(self.threads)], "saturn-run")
        outs = {os.path.splitext(os.path.basename(f))[0]: np.load(f)
                for f in sorted(glob.glob(os.path.join(out_dir, "*.npy")))}
        if not outs:
            raise ToolError(f"saturn-run wrote no .npy into {out_dir}")
        return outs, dt


def run_ort(onnx_path, input_npy, out_npy, threads=2):
    """Runs ONNX Runtime (scripts/reference_ort.js) and returns the model's first output."""
    cmd = ["node", os.path.join(ROOT, "scripts", "reference_ort.js"), onnx_path, "--input", input_npy,
           "--output", out_npy, "--threads", str(threads)]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        raise ToolError(f"reference_ort.js failed (exit {p.returncode}): {' '.join(cmd)}\n{_tail(p.stdout)}")
    return np.load(out_npy)


def only_output(outs):
    if len(outs) != 1:
        raise ToolError(f"expected one model output, found {sorted(outs)}")
    return next(iter(outs.values()))


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)
