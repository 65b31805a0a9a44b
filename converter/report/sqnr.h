// Error metrics of an INT8 run against the FP32 reference, accumulated over many batches.
//
// SQNR (signal to quantization noise ratio), in dB:
//   SQNR = 10 log10( sum x_fp32^2 / sum (x_fp32 - x_int8)^2 )
// with the sums taken over every element of every batch added (not averaged per batch), so the
// result does not depend on how the samples were batched. Edge cases: a noise sum of 0 with a
// non-zero signal gives +infinity (exact); a signal sum of 0 gives NaN (undefined: no signal).
//
// Top-1 agreement: the tensor is viewed as rows of its last axis (rows = numel / last dim); a row
// agrees when the index of its largest value (the first one on ties) is the same in both runs.
#pragma once

#include <cstdint>
#include <span>

namespace saturn::report {

class SqnrAccumulator {
 public:
  // `reference` and `test` have the same number of elements (the shorter length is used otherwise).
  void add(std::span<const float> reference, std::span<const float> test);
  double db() const;
  double signal() const { return signal_; }
  double noise() const { return noise_; }
  uint64_t count() const { return count_; }

 private:
  double signal_ = 0.0;
  double noise_ = 0.0;
  uint64_t count_ = 0;
};

class Top1Agreement {
 public:
  // Both spans hold rows of `last_dim` values (last_dim > 0); a trailing partial row is ignored.
  void add(std::span<const float> reference, std::span<const float> test, int64_t last_dim);
  uint64_t rows() const { return rows_; }
  uint64_t agreeing() const { return agreeing_; }
  double rate() const;  // agreeing / rows; NaN when no rows were added

 private:
  uint64_t rows_ = 0;
  uint64_t agreeing_ = 0;
};

}  // namespace saturn::report
