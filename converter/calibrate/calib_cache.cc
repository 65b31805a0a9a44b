#include "converter/calibrate/calib_cache.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace saturn::calibrate {

namespace {

constexpr const char* kMagic = "saturn-calibration-cache 1";

std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

}  // namespace

Status write_cache(const std::string& path, const CacheKey& key, const RangeMap& ranges) {
  std::ostringstream s;
  s << kMagic << "\n"
    << "source_sha256 " << key.source_sha256 << "\n"
    << "method " << method_name(key.options.method) << "\n"
    << "percentile " << fmt(key.options.percentile) << "\n"
    << "tensors " << ranges.size() << "\n";
  for (const auto& [name, r] : ranges)
    s << fmt(r.min) << " " << fmt(r.max) << " " << fmt(r.t_s8) << " " << fmt(r.t_u8) << " " << name << "\n";
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << s.str();
  f.close();
  if (!f) return Status::error("calibration cache '" + path + "': cannot write the file");
  return Status::ok();
}

Result<RangeMap> read_cache(const std::string& path, const CacheKey& key) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::error("calibration cache '" + path + "': cannot open the file");
  const std::string where = "calibration cache '" + path + "'";
  std::string line;
  int line_no = 0;
  auto next = [&](const std::string& expect_key, std::string* value) -> Status {
    ++line_no;
    if (!std::getline(f, line)) return Status::error(where + ": ends early, expected '" + expect_key + " ...' on line " + std::to_string(line_no));
    const std::string prefix = expect_key + " ";
    if (line.rfind(prefix, 0) != 0)
      return Status::error(where + " line " + std::to_string(line_no) + ": expected '" + expect_key + " ...', found '" + line + "'");
    *value = line.substr(prefix.size());
    return Status::ok();
  };
  ++line_no;
  if (!std::getline(f, line) || line != kMagic)
    return Status::error(where + ": not a calibration cache (first line is not '" + std::string(kMagic) + "')");
  std::string sha, method, percentile, count_text;
  SATURN_RETURN_IF_ERROR(next("source_sha256", &sha));
  SATURN_RETURN_IF_ERROR(next("method", &method));
  SATURN_RETURN_IF_ERROR(next("percentile", &percentile));
  SATURN_RETURN_IF_ERROR(next("tensors", &count_text));
  if (sha != key.source_sha256)
    return Status::error(where + " was made for a different model: its source sha256 is " + sha + ", the model's is " +
                         key.source_sha256 + "; delete the cache or give another --calib-cache file");
  if (method != method_name(key.options.method))
    return Status::error(where + " was made with calibration method '" + method + "', this run uses '" +
                         method_name(key.options.method) + "'");
  if (key.options.method == Method::kPercentile && percentile != fmt(key.options.percentile))
    return Status::error(where + " was made with percentile " + percentile + ", this run uses " + fmt(key.options.percentile));
  char* end = nullptr;
  const long long count = std::strtoll(count_text.c_str(), &end, 10);
  if (*end != '\0' || count < 0) return Status::error(where + ": bad tensor count '" + count_text + "'");
  RangeMap ranges;
  for (long long i = 0; i < count; ++i) {
    ++line_no;
    if (!std::getline(f, line))
      return Status::error(where + ": ends after " + std::to_string(i) + " of " + std::to_string(count) + " tensors");
    const char* p = line.c_str();
    float v[4];
    bool ok = true;
    for (float& x : v) {
      char* e = nullptr;
      x = std::strtof(p, &e);
      ok = ok && e != p && *e == ' ';
      p = ok ? e + 1 : p;
    }
    if (!ok || *p == '\0')
      return Status::error(where + " line " + std::to_string(line_no) + ": expected '<min> <max> <t_s8> <t_u8> <name>', found '" + line + "'");
    ranges[p] = TensorRange{v[0], v[1], v[2], v[3]};
  }
  return ranges;
}

}  // namespace saturn::calibrate
