// tools/bench/json_writer.h: string escaping, number forms and comma placement.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "tools/bench/json_writer.h"

namespace saturn::bench {
namespace {

TEST(BenchJson, QuoteEscapesSpecialCharacters) {
  EXPECT_EQ(json_quote(""), "\"\"");
  EXPECT_EQ(json_quote("plain/path.saturn"), "\"plain/path.saturn\"");
  EXPECT_EQ(json_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(json_quote("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(json_quote(std::string("x\x01y\x1f", 4)), "\"x\\u0001y\\u001f\"");
  EXPECT_EQ(json_quote(std::string("\0", 1)), "\"\\u0000\"");
  EXPECT_EQ(json_quote("×µ"), "\"×µ\"");  // UTF-8 passes through
}

TEST(BenchJson, WriterPlacesCommasAndKeys) {
  JsonWriter w;
  w.begin_object();
  w.field("name", "conv \"1\"");
  w.key("list");
  w.begin_array();
  w.value(1);
  w.begin_object();
  w.end_object();
  w.begin_array();
  w.end_array();
  w.value(true);
  w.null();
  w.end_array();
  w.field("n", static_cast<int64_t>(-3));
  w.field("u", static_cast<uint64_t>(18446744073709551615ull));
  w.end_object();
  EXPECT_EQ(w.str(), "{\"name\":\"conv \\\"1\\\"\",\"list\":[1,{},[],true,null],\"n\":-3,\"u\":18446744073709551615}");
}

TEST(BenchJson, DoublesRoundTripAndNonFiniteIsNull) {
  JsonWriter w;
  w.begin_array();
  w.value(0.1);
  w.value(2.5);
  w.value(1.0 / 3.0);
  w.value(1e-300);
  w.value(std::nan(""));
  w.value(std::numeric_limits<double>::infinity());
  w.end_array();
  EXPECT_EQ(w.str(), "[0.1,2.5,0.3333333333333333,1e-300,null,null]");
}

}  // namespace
}  // namespace saturn::bench
