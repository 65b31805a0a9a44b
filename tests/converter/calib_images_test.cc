// Calibration images: decoding (stb), sorted order, CHW layout, normalization and bilinear resize.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

#include "converter/calibrate/image_loader.h"

namespace saturn::calibrate {
namespace {

std::string make_dir(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "/" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// A 2x2 RGB image whose pixel (y, x) channel c is base + 10 * (2y + x) + c.
void write_png(const std::string& path, int base) {
  unsigned char px[12];
  for (int i = 0; i < 4; ++i)
    for (int c = 0; c < 3; ++c) px[i * 3 + c] = static_cast<unsigned char>(base + 10 * i + c);
  ASSERT_NE(stbi_write_png(path.c_str(), 2, 2, 3, px, 6), 0);
}

TEST(CalibrationImages, SortedChwNormalized) {
  const std::string dir = make_dir("calib_images");
  write_png(dir + "/b.png", 100);
  write_png(dir + "/a.PNG", 0);
  std::filesystem::create_directories(dir + "/sub.png");  // not a file: skipped
  { std::ofstream(dir + "/notes.txt") << "skipped"; }
  ImageOptions o;
  o.mean = {0.5f, 0.f, 0.f};
  o.std = {0.5f, 1.f, 2.f};
  auto r = load_image_dir(dir, o);
  ASSERT_TRUE(r) << r.status().message();
  EXPECT_EQ(r->dims, (std::vector<int64_t>{2, 3, 2, 2}));
  ASSERT_EQ(r->values.size(), 24u);
  // Image 0 is a.PNG (base 0); CHW: channel 0 plane first.
  EXPECT_FLOAT_EQ(r->values[0], (0.f / 255.f - 0.5f) / 0.5f);
  EXPECT_FLOAT_EQ(r->values[3], (30.f / 255.f - 0.5f) / 0.5f);        // c0, pixel (1,1)
  EXPECT_FLOAT_EQ(r->values[4 + 1], 11.f / 255.f);                     // c1, pixel (0,1)
  EXPECT_FLOAT_EQ(r->values[8 + 2], (22.f / 255.f) / 2.f);             // c2, pixel (1,0)
  EXPECT_FLOAT_EQ(r->values[12], (100.f / 255.f - 0.5f) / 0.5f);      // image 1 = b.png
}

TEST(CalibrationImages, BilinearResizeAndSizeMismatch) {
  const std::string dir = make_dir("calib_images_resize");
  write_png(dir + "/a.png", 0);
  ImageOptions o;
  o.height = 4;
  o.width = 4;
  auto r = load_image_dir(dir, o);
  ASSERT_TRUE(r) << r.status().message();
  EXPECT_EQ(r->dims, (std::vector<int64_t>{1, 3, 4, 4}));
  // Half-pixel centres: output (0,0) maps to source (-0.25, -0.25) -> clamped to pixel (0,0);
  // output (1,1) maps to (0.25, 0.25): 0.75^2 * 0 + 0.75*0.25 * (10 + 20) + 0.25^2 * 30 = 7.5.
  EXPECT_FLOAT_EQ(r->values[0], 0.f);
  EXPECT_NEAR(r->values[5] * 255.f, 7.5f, 1e-4f);
  EXPECT_NEAR(r->values[15] * 255.f, 30.f, 1e-4f);

  unsigned char px[27] = {};
  ASSERT_NE(stbi_write_png((dir + "/b.png").c_str(), 3, 3, 3, px, 9), 0);
  auto bad = load_image_dir(dir, ImageOptions{});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.status().message(), "calibration image '" + dir + "/b.png' is 3x3, the first image is 2x2; give --size HxW to resize them all");
}

}  // namespace
}  // namespace saturn::calibrate
