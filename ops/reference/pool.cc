#include "ops/reference/pool.h"

#include <algorithm>

#include "ops/reference/quantize.h"

namespace saturn::reference {
namespace {

// Runs `visit(channel_in, channel_out, out_pos)` for every (n, c) plane and output position.
template <typename Visit>
void for_each_output(const std::vector<int64_t>& x, const std::vector<int64_t>& y, Visit visit) {
  const size_t spatial = y.size() - 2;
  int64_t in_plane = 1, out_plane = 1;
  for (size_t d = 0; d < spatial; ++d) {
    in_plane *= x[2 + d];
    out_plane *= y[2 + d];
  }
  for (int64_t plane = 0; plane < y[0] * y[1]; ++plane) {
    std::vector<int64_t> pos(spatial, 0);
    for (int64_t o = 0; o < out_plane; ++o) {
      visit(plane * in_plane, plane * out_plane + o, pos);
      for (size_t d = spatial; d-- > 0;) {
        if (++pos[d] < y[2 + d]) break;
        pos[d] = 0;
      }
    }
  }
}

// Calls `tap(offset_in_plane)` for each tap inside X of the window at `pos`; returns the number of
// taps inside [-pad_begin, in + pad_end) through `declared`.
template <typename Tap>
void for_each_tap(const PoolShape& s, const std::vector<int64_t>& pos, int64_t* declared, Tap tap) {
  const size_t spatial = pos.size();
  std::vector<int64_t> k(spatial, 0);
  *declared = 0;
  for (;;) {
    bool inside = true, in_pads = true;
    int64_t offset = 0;
    for (size_t d = 0; d < spatial; ++d) {
      const int64_t i = pos[d] * s.strides[d] - s.pad_begin[d] + k[d] * s.dilations[d];
      const int64_t in = s.x[2 + d];
      inside = inside && i >= 0 && i < in;
      in_pads = in_pads && i < in + s.pad_end[d];
      offset = offset * in + i;
    }
    if (inside) tap(offset);
    if (in_pads) ++*declared;
    size_t d = spatial;
    while (d > 0 && ++k[d - 1] == s.kernel[d - 1]) k[--d] = 0;
    if (d == 0) return;
  }
}

}  // namespace

std::vector<int64_t> pool_output_dims(const PoolShape& s) {
  std::vector<int64_t> y = {s.x[0], s.x[1]};
  for (size_t d = 0; d + 2 < s.x.size(); ++d) {
    const int64_t in = s.x[2 + d], stride = s.strides[d];
    const int64_t span = in + s.pad_begin[d] + s.pad_end[d] - ((s.kernel[d] - 1) * s.dilations[d] + 1);
    int64_t out = s.ceil_mode ? (span + stride - 1) / stride + 1 : span / stride + 1;
    if (s.ceil_mode && (out - 1) * stride >= in + s.pad_begin[d]) --out;
    y.push_back(out);
  }
  return y;
}

template <typename Q>
std::vector<Q> max_pool_int8(const PoolShape& s, const Q* x) {
  const std::vector<int64_t> y_dims = pool_output_dims(s);
  int64_t size = 1;
  for (int64_t d : y_dims) size *= d;
  std::vector<Q> y(static_cast<size_t>(size));
  for_each_output(s.x, y_dims, [&](int64_t in_base, int64_t out, const std::vector<int64_t>& pos) {
    Q best = static_cast<Q>(QuantRange<Q>::kMin);
    int64_t declared = 0;
    for_each_tap(s, pos, &declared, [&](int64_t offset) { best = std::max(best, x[in_base + offset]); });
    y[out] = best;
  });
  return y;
}

template <typename Q>
std::vector<Q> average_pool_int8(const PoolShape& s, const Q* x) {
  const std::vector<int64_t> y_dims = pool_output_dims(s);
  int64_t size = 1;
  for (int64_t d : y_dims) size *= d;
  std::vector<Q> y(static_cast<size_t>(size));
  for_each_output(s.x, y_dims, [&](int64_t in_base, int64_t out, const std::vector<int64_t>& pos) {
    int64_t sum = 0, inside = 0, declared = 0;
    for_each_tap(s, pos, &declared, [&](int64_t offset) {
      sum += x[in_base + offset];
      ++inside;
    });
    const int64_t count = s.count_include_pad ? declared : inside;
    y[out] = count == 0 ? Q{0} : saturate_round<Q, double>(static_cast<double>(sum) / static_cast<double>(count));
  });
  return y;
}

template <typename Q>
std::vector<Q> global_average_pool_int8(const std::vector<int64_t>& x_dims, const Q* x) {
  PoolShape s;
  s.x = x_dims;
  for (size_t d = 2; d < x_dims.size(); ++d) {
    s.kernel.push_back(x_dims[d]);
    s.strides.push_back(1);
    s.dilations.push_back(1);
    s.pad_begin.push_back(0);
    s.pad_end.push_back(0);
  }
  return average_pool_int8(s, x);
}

template std::vector<uint8_t> max_pool_int8(const PoolShape&, const uint8_t*);
template std::vector<int8_t> max_pool_int8(const PoolShape&, const int8_t*);
template std::vector<uint8_t> average_pool_int8(const PoolShape&, const uint8_t*);
template std::vector<int8_t> average_pool_int8(const PoolShape&, const int8_t*);
template std::vector<uint8_t> global_average_pool_int8(const std::vector<int64_t>&, const uint8_t*);
template std::vector<int8_t> global_average_pool_int8(const std::vector<int64_t>&, const int8_t*);

}  // namespace saturn::reference
