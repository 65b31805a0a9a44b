// The geometry and the 2x2 output tiles shared by Saturn's Winograd F(2x2, 3x3) convolutions
// (winograd_f32.h, winograd_int8.h). Tile t of Y [N, M, oh, ow] (row-major over images, tile rows
// and tile columns) covers outputs 2 th .. 2 th + 1 and 2 tw .. 2 tw + 1 of image n (those inside
// Y), computed from the 4x4 block of X at (2 th - pad_top, 2 tw - pad_left).
#pragma once

#include <algorithm>
#include <cstdint>

namespace saturn::winograd {

struct Geometry {
  int64_t n = 1, c = 16, h = 1, w = 1;  // X
  int64_t pad_top = 0, pad_left = 0;    // the bottom and right pads follow from oh and ow
  int64_t m = 16, oh = 1, ow = 1;       // Y [N, M, oh, ow]
};

class Tiles {
 public:
  explicit Tiles(const Geometry& g) : g_(g), rows_((g.oh + 1) / 2), columns_((g.ow + 1) / 2) {}

  int64_t count() const { return g_.n * rows_ * columns_; }

  // Tile t's 4x4 input pixels in X (Nhwc, C values of T each), null in the padding.
  template <typename T>
  void input_block(const T* x, int64_t t, const T* (&at)[4][4]) const {
    const int64_t tw = t % columns_, th = t / columns_ % rows_, n = t / columns_ / rows_;
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j) {
        const int64_t ih = 2 * th - g_.pad_top + i, iw = 2 * tw - g_.pad_left + j;
        at[i][j] = ih >= 0 && ih < g_.h && iw >= 0 && iw < g_.w ? x + ((n * g_.h + ih) * g_.w + iw) * g_.c : nullptr;
      }
  }

  // Tile t's outputs inside Y: the index (n * oh + oh_0) * ow + ow_0 of its first pixel, and how
  // many of its 2 rows and 2 columns Y has.
  struct Outputs {
    int64_t first_pixel, rows, columns;
  };
  Outputs outputs(int64_t t) const {
    const int64_t tw = t % columns_, th = t / columns_ % rows_, n = t / columns_ / rows_;
    return {(n * g_.oh + 2 * th) * g_.ow + 2 * tw, std::min<int64_t>(2, g_.oh - 2 * th),
            std::min<int64_t>(2, g_.ow - 2 * tw)};
  }

 private:
  Geometry g_;
  int64_t rows_, columns_;  // tiles per column and per row of an image
};

}  // namespace saturn::winograd
