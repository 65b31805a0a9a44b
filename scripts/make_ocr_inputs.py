#!/usr/bin/python3
"""Writes deterministic synthetic, image-like inputs for the PP-OCR models (float32 NCHW .npy).

The image is a light page with a soft gradient and noise, carrying dark "text lines" made of
glyph-like strokes, normalised as PaddleOCR does: the detector with ImageNet mean/std, the
recognizer and the direction classifier with (x/255 - 0.5)/0.5. It is meant for FP32 equivalence
checks (Saturn vs ONNX Runtime), not for accuracy.

  make_ocr_inputs.py OUT_DIR      -> OUT_DIR/ppocr_{det,rec,cls}.input.npy
"""
import os
import sys

import numpy as np

SHAPES = {"det": (640, 640), "rec": (48, 320), "cls": (48, 192)}
SEED = 7


def page(height, width, lines, rng):
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    img = 235.0 - 20.0 * (yy / height) - 10.0 * (xx / width)
    img = np.repeat(img[:, :, None], 3, axis=2)
    img += rng.normal(0.0, 4.0, img.shape)
    line_h = max(8, height // (2 * lines + 1))
    for i in range(lines):
        top = int((2 * i + 1) * height / (2 * lines + 1))
        x = int(rng.integers(4, max(5, width // 10)))
        end = width - int(rng.integers(4, max(5, width // 6)))
        ink = rng.uniform(10, 60, size=3)
        while x < end:
            glyph_w = int(rng.integers(max(3, line_h // 3), max(4, line_h)))
            for _ in range(int(rng.integers(1, 4))):  # a few strokes per glyph
                if rng.random() < 0.5:  # vertical stroke
                    sx = x + int(rng.integers(0, glyph_w))
                    img[top:top + line_h, sx:sx + max(1, line_h // 8)] = ink
                else:  # horizontal stroke
                    sy = top + int(rng.integers(0, line_h))
                    img[sy:sy + max(1, line_h // 8), x:x + glyph_w] = ink
            x += glyph_w + int(rng.integers(1, max(2, line_h // 2)))
            if rng.random() < 0.12:
                x += line_h  # a word gap
    return np.clip(img, 0, 255)


def normalise(img, mean, std):
    x = (img / 255.0 - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None].astype(np.float32))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(SEED)
    for name, (h, w) in SHAPES.items():
        img = page(h, w, lines=8 if name == "det" else 1, rng=rng)
        if name == "det":
            x = normalise(img, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
        else:
            x = normalise(img, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5])
        path = os.path.join(out, f"ppocr_{name}.input.npy")
        np.save(path, x)
        print(f"make_ocr_inputs: {path} {list(x.shape)}")


if __name__ == "__main__":
    main()
