// The calibration cache: a small text file holding a RangeMap (ranges.h), so that a later
// conversion of the same model with the same method skips the FP32 calibration runs.
//
// Format (UTF-8 text, one record per line):
//   saturn-calibration-cache 1
//   source_sha256 <64 hex digits of the source .onnx file>
//   method <entropy|percentile|max|mse>
//   percentile <P>                      (the --percentile value; part of the key for percentile only)
//   tensors <count>
//   <min> <max> <t_s8> <t_u8> <name>    (count lines; floats in %.9g, which round-trips a float;
//                                        the name is the rest of the line)
// Reading checks the key: a different source hash, method (or percentile, for the percentile method)
// is refused with an error that names both values, as is any malformed line.
#pragma once

#include <string>

#include "converter/calibrate/ranges.h"
#include "saturn/status.h"

namespace saturn::calibrate {

struct CacheKey {
  std::string source_sha256;
  RangeOptions options;
};

Status write_cache(const std::string& path, const CacheKey& key, const RangeMap& ranges);
Result<RangeMap> read_cache(const std::string& path, const CacheKey& key);

}  // namespace saturn::calibrate
