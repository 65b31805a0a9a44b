// A minimal streaming JSON writer for saturn-bench's --json report. It tracks commas and nesting
// only; the caller pairs begin_*/end_* and puts a key() before every value inside an object.
// Output is compact (one line) and UTF-8 passes through unchanged.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace saturn::bench {

// `s` as a JSON string literal, quotes included: '"' and '\' are backslash-escaped, \b \f \n \r \t
// use their short forms, and every other byte below 0x20 becomes \u00XX.
std::string json_quote(std::string_view s);

class JsonWriter {
 public:
  void begin_object();
  void end_object();
  void begin_array();
  void end_array();
  void key(std::string_view k);
  void value(std::string_view s);
  void value(const char* s) { value(std::string_view(s)); }
  void value(double v);  // shortest round-trip form (%.17g trimmed); NaN and infinities as null
  void value(int64_t v);
  void value(uint64_t v);
  void value(int v) { value(static_cast<int64_t>(v)); }
  void value(bool v);
  void null();
  // key(k) then value(v).
  template <typename T>
  void field(std::string_view k, const T& v) {
    key(k);
    value(v);
  }

  const std::string& str() const { return out_; }

 private:
  void before_value();
  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

}  // namespace saturn::bench
