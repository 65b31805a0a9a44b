#include "ops/winograd_f32.h"

#include <immintrin.h>

#include <algorithm>
#include <limits>

#include <omp.h>

#include <oneapi/dnnl/dnnl.h>

#include "ops/avx2.h"

namespace saturn::winograd_f32 {
namespace {

constexpr int64_t kLanes = 8;                   // channels per vector
// Tiles per chunk: all of a thread's tiles, up to kChunkBytes of transformed inputs and products
// per thread. Larger chunks ran faster, their matrix products being larger (ResNet-50's 64-channel
// layers: 0.93 ms in chunks of 48 tiles, 0.74 in one of 392), though they leave L2 for L3.
constexpr int64_t kChunkBytes = 4 * 1024 * 1024;
constexpr int64_t kMinChunk = 16;

// Row r of B^T d (or column r of d B) from the four values along that axis.
SATURN_AVX2 inline void input_rows(const __m256 (&d)[4], __m256 (&out)[4]) {
  out[0] = _mm256_sub_ps(d[0], d[2]);
  out[1] = _mm256_add_ps(d[1], d[2]);
  out[2] = _mm256_sub_ps(d[2], d[1]);
  out[3] = _mm256_sub_ps(d[1], d[3]);
}

// The two outputs of A^T m along one axis from its four values.
SATURN_AVX2 inline void output_rows(const __m256 (&m)[4], __m256 (&out)[2]) {
  out[0] = _mm256_add_ps(_mm256_add_ps(m[0], m[1]), m[2]);
  out[1] = _mm256_sub_ps(_mm256_sub_ps(m[1], m[2]), m[3]);
}

}  // namespace

bool supports(const fb::Activation* a) {
  if (a == nullptr) return true;
  const fb::ActivationKind kind = a->kind();
  const bool clamp = kind == fb::ActivationKind::None || kind == fb::ActivationKind::Relu || kind == fb::ActivationKind::Clip;
  return clamp && a->scale() == 1.f && a->shift() == 0.f;
}

WinogradF32::WinogradF32(const Geometry& g, const float* weights, const float* bias, const fb::Activation* activation,
                         int threads)
    : g_(g), tiles_(g), threads_(std::max(1, threads)) {
  const int64_t per_tile = 16 * (g.c + g.m) * static_cast<int64_t>(sizeof(float));
  const int64_t per_thread = (tiles_.count() + threads_ - 1) / threads_;
  chunk_ = std::min(per_thread, std::max(kMinChunk, kChunkBytes / per_tile));

  // U = G g G^T per (m, c), in double: rows of G g are g0, (g0 + g1 + g2) / 2, (g0 - g1 + g2) / 2,
  // g2 (gi: row i of g), and G applies the same to each row's three values.
  u_.assign(static_cast<size_t>(16 * g.c * g.m), 0.f);
  auto expand = [](const double (&v)[3], double (&out)[4]) {
    out[0] = v[0];
    out[1] = (v[0] + v[1] + v[2]) / 2;
    out[2] = (v[0] - v[1] + v[2]) / 2;
    out[3] = v[2];
  };
  for (int64_t m = 0; m < g.m; ++m) {
    for (int64_t c = 0; c < g.c; ++c) {
      const float* w = weights + (m * g.c + c) * 9;
      double gg[4][3];  // G g
      for (int j = 0; j < 3; ++j) {
        const double column[3] = {w[j], w[3 + j], w[6 + j]};
        double e[4];
        expand(column, e);
        for (int i = 0; i < 4; ++i) gg[i][j] = e[i];
      }
      for (int i = 0; i < 4; ++i) {
        const double row[3] = {gg[i][0], gg[i][1], gg[i][2]};
        double e[4];
        expand(row, e);
        for (int j = 0; j < 4; ++j) u_[static_cast<size_t>(((4 * i + j) * g.c + c) * g.m + m)] = static_cast<float>(e[j]);
      }
    }
  }
  bias_.assign(static_cast<size_t>(g.m), 0.f);
  if (bias != nullptr) std::copy(bias, bias + g.m, bias_.begin());
  const float inf = std::numeric_limits<float>::infinity();
  lo_ = -inf;
  hi_ = inf;
  if (activation != nullptr) {
    kind_ = activation->kind();
    if (kind_ == fb::ActivationKind::Relu) lo_ = 0.f;
    if (kind_ == fb::ActivationKind::Clip) {
      lo_ = activation->alpha();
      hi_ = activation->beta();
    }
  }
}

size_t WinogradF32::scratch_bytes() const {
  return static_cast<size_t>(threads_ * 16 * chunk_ * (g_.c + g_.m)) * sizeof(float);
}

void WinogradF32::run(const float* x, float* y, void* scratch) const {
  const int64_t chunks = (tiles_.count() + chunk_ - 1) / chunk_;
  const int team = std::min(threads_, omp_get_max_threads());
#pragma omp parallel num_threads(team)
  {
    float* v = static_cast<float*>(scratch) + omp_get_thread_num() * 16 * chunk_ * (g_.c + g_.m);
    float* p = v + 16 * chunk_ * g_.c;
#pragma omp for schedule(static)
    for (int64_t i = 0; i < chunks; ++i) {
      const int64_t t0 = i * chunk_, count = std::min(chunk_, tiles_.count() - t0);
      transform_input(x, t0, count, v);
      // One single-threaded sgemm per position (nested inside this team).
      for (int64_t xi = 0; xi < 16; ++xi)
        dnnl_sgemm('N', 'N', count, g_.m, g_.c, 1.f, v + xi * chunk_ * g_.c, g_.c, u_.data() + xi * g_.c * g_.m,
                   g_.m, 0.f, p + xi * chunk_ * g_.m, g_.m);
      transform_output(p, t0, count, y);
    }
  }
}

SATURN_AVX2 void WinogradF32::transform_input(const float* x, int64_t t0, int64_t count, float* v) const {
  for (int64_t t = t0; t < t0 + count; ++t) {
    const float* at[4][4];
    tiles_.input_block(x, t, at);
    float* out = v + (t - t0) * g_.c;
    for (int64_t c = 0; c < g_.c; c += kLanes) {
      __m256 rows[4][4];  // B^T d: rows[a][j]
      for (int j = 0; j < 4; ++j) {
        __m256 d[4], r[4];
        for (int i = 0; i < 4; ++i) d[i] = at[i][j] != nullptr ? _mm256_loadu_ps(at[i][j] + c) : _mm256_setzero_ps();
        input_rows(d, r);
        for (int a = 0; a < 4; ++a) rows[a][j] = r[a];
      }
      for (int a = 0; a < 4; ++a) {
        __m256 vb[4];
        input_rows(rows[a], vb);
        for (int b = 0; b < 4; ++b) _mm256_storeu_ps(out + (4 * a + b) * chunk_ * g_.c + c, vb[b]);
      }
    }
  }
}

SATURN_AVX2 void WinogradF32::transform_output(const float* p, int64_t t0, int64_t count, float* y) const {
  const __m256 lo = _mm256_set1_ps(lo_), hi = _mm256_set1_ps(hi_);
  const bool clamp = kind_ != fb::ActivationKind::None;
  for (int64_t t = t0; t < t0 + count; ++t) {
    const auto [first_pixel, rows, columns] = tiles_.outputs(t);
    const float* in = p + (t - t0) * g_.m;
    float* out = y + first_pixel * g_.m;
    for (int64_t k = 0; k < g_.m; k += kLanes) {
      __m256 cols[4][2];  // A^T m: cols[b][i] for column b of m
      for (int b = 0; b < 4; ++b) {
        __m256 m[4], o[2];
        for (int a = 0; a < 4; ++a) m[a] = _mm256_loadu_ps(in + (4 * a + b) * chunk_ * g_.m + k);
        output_rows(m, o);
        cols[b][0] = o[0];
        cols[b][1] = o[1];
      }
      const __m256 bias = _mm256_loadu_ps(bias_.data() + k);
      for (int64_t i = 0; i < rows; ++i) {
        const __m256 row[4] = {cols[0][i], cols[1][i], cols[2][i], cols[3][i]};
        __m256 o[2];
        output_rows(row, o);
        for (int64_t j = 0; j < columns; ++j) {
          __m256 value = _mm256_add_ps(o[j], bias);
          if (clamp) value = _mm256_min_ps(_mm256_max_ps(value, lo), hi);
          _mm256_storeu_ps(out + (i * g_.ow + j) * g_.m + k, value);
        }
      }
    }
  }
}

}  // namespace saturn::winograd_f32
