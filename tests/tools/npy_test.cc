#include "tools/common/npy.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace saturn::npy {
namespace {

// The bytes numpy 1.24 writes with np.save for version `major`: magic, version, header length,
// then the header dict padded with spaces and a '\n' to a multiple of 64 bytes (as checked against
// numpy's output when this test was written), then the data.
std::vector<uint8_t> numpy_file(const std::string& dict, const std::vector<uint8_t>& data, int major = 1) {
  size_t prefix = major == 1 ? 10 : 12;
  std::string header = dict;
  size_t total = prefix + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<uint8_t>(major), 0};
  for (size_t i = 0; i < prefix - 8; ++i) out.push_back(static_cast<uint8_t>(header.size() >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

std::vector<uint8_t> float_bytes(const std::vector<float>& v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

TEST(Npy, ParsesNumpyFloat32) {
  auto bytes = numpy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                          float_bytes({0, 0.5f, 1, 1.5f, 2, 2.5f}));
  ASSERT_EQ(bytes.size(), 152u);  // numpy's file size for this array
  auto a = parse(bytes, "x.npy");
  ASSERT_TRUE(a) << a.status().message();
  EXPECT_EQ(a->dtype, DType::kF32);
  EXPECT_EQ(a->dims, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(to_floats(*a), (std::vector<float>{0, 0.5f, 1, 1.5f, 2, 2.5f}));
}

TEST(Npy, SerializeMatchesNumpyBytes) {
  std::vector<float> v = {0, 0.5f, 1, 1.5f, 2, 2.5f};
  Array a = Array::from_floats({2, 3}, v);
  EXPECT_EQ(serialize(a), numpy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", float_bytes(v)));
  Array one = Array::from_floats({3}, std::vector<float>{1, 2, 3});
  EXPECT_EQ(serialize(one), numpy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }",
                                       float_bytes({1, 2, 3})));
}

TEST(Npy, ParsesVersion2AndInt64) {
  std::vector<uint8_t> data(16);
  int64_t vals[2] = {-1, int64_t{1} << 40};
  std::memcpy(data.data(), vals, 16);
  auto bytes = numpy_file("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", data, 2);
  ASSERT_EQ(bytes.size(), 144u);  // numpy's size with version=(2, 0)
  auto a = parse(bytes, "v2.npy");
  ASSERT_TRUE(a) << a.status().message();
  EXPECT_EQ(a->dtype, DType::kS64);
  EXPECT_EQ(a->dims, (std::vector<int64_t>{2}));
  EXPECT_EQ(to_floats(*a), (std::vector<float>{-1.0f, 1099511627776.0f}));
}

TEST(Npy, ParsesScalarU8) {
  auto a = parse(numpy_file("{'descr': '|u1', 'fortran_order': False, 'shape': (), }", {7}), "s.npy");
  ASSERT_TRUE(a) << a.status().message();
  EXPECT_EQ(a->dtype, DType::kU8);
  EXPECT_TRUE(a->dims.empty());
  EXPECT_EQ(a->elements(), 1);
  EXPECT_EQ(a->data, (std::vector<uint8_t>{7}));
}

TEST(Npy, RoundTripsEveryDtypeThroughAFile) {
  const DType types[] = {DType::kF32, DType::kS64, DType::kS32, DType::kS8, DType::kU8};
  std::string path = ::testing::TempDir() + "/npy_roundtrip.npy";
  for (DType t : types) {
    Array a;
    a.dtype = t;
    a.dims = {2, 1, 3};
    a.data.resize(6 * dtype_size(t));
    for (size_t i = 0; i < a.data.size(); ++i) a.data[i] = static_cast<uint8_t>(i * 37 + 5);
    ASSERT_TRUE(write(path, a).is_ok());
    auto b = read(path);
    ASSERT_TRUE(b) << b.status().message();
    EXPECT_EQ(b->dtype, t) << descr(t);
    EXPECT_EQ(b->dims, a.dims) << descr(t);
    EXPECT_EQ(b->data, a.data) << descr(t);
  }
  std::remove(path.c_str());
}

TEST(Npy, ConvertsIntegersToFloat) {
  Array a;
  a.dtype = DType::kS8;
  a.dims = {3};
  a.data = {0x80, 0x7f, 0x00};
  EXPECT_EQ(to_floats(a), (std::vector<float>{-128, 127, 0}));
  Array f = to_f32(a);
  EXPECT_EQ(f.dtype, DType::kF32);
  EXPECT_EQ(f.dims, a.dims);
  EXPECT_EQ(to_floats(f), (std::vector<float>{-128, 127, 0}));
}

TEST(Npy, RejectsFortranOrder) {
  auto a = parse(numpy_file("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", float_bytes({1, 1, 1, 1, 1, 1})),
                 "f.npy");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.status().message(), "npy file 'f.npy': fortran_order is True; only C-order arrays are supported");
}

TEST(Npy, RejectsBigEndianAndOtherDtypes) {
  auto be = parse(numpy_file("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", float_bytes({1, 1})), "be.npy");
  ASSERT_FALSE(be);
  EXPECT_EQ(be.status().message(),
            "npy file 'be.npy': dtype '>f4' is not supported (expected one of '<f4', '<i8', '<i4', '|i1', '|u1')");
  auto f8 = parse(numpy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", std::vector<uint8_t>(8)), "d.npy");
  ASSERT_FALSE(f8);
  EXPECT_NE(f8.status().message().find("'<f8' is not supported"), std::string::npos);
}

TEST(Npy, RejectsWrongDataSize) {
  auto a = parse(numpy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", float_bytes({1, 2})), "t.npy");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.status().message(), "npy file 't.npy': shape [2, 3] of '<f4' needs 24 data bytes, found 8");
}

TEST(Npy, RejectsBadMagicVersionAndMissingFile) {
  std::vector<uint8_t> junk = {'n', 'o', 't', ' ', 'n', 'p', 'y', '!', '!', '!', '!'};
  auto a = parse(junk, "j.npy");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.status().message(), "npy file 'j.npy': not a .npy file (missing the \\x93NUMPY magic)");

  auto v3 = numpy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", float_bytes({1}));
  v3[6] = 3;
  auto b = parse(v3, "v3.npy");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.status().message(), "npy file 'v3.npy': format version 3.0 is not supported (expected 1.0 or 2.0)");

  auto c = read("/nonexistent/dir/x.npy");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.status().message(), "npy file '/nonexistent/dir/x.npy': cannot open for reading");
}

TEST(Npy, RejectsMalformedHeader) {
  auto a = parse(numpy_file("{'descr': '<f4', 'shape': (2,), }", float_bytes({1, 2})), "h.npy");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.status().message(), "npy file 'h.npy': header lacks one of 'descr', 'fortran_order', 'shape'");
  auto b = parse(numpy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1), }", float_bytes({1, 2})), "n.npy");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.status().message(),
            "npy file 'n.npy': 'shape' holds something other than non-negative integers");
}

}  // namespace
}  // namespace saturn::npy
