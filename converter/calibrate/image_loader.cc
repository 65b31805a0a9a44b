#include "converter/calibrate/image_loader.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

namespace saturn::calibrate {

namespace {

bool is_image(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

// Bilinear sample of channel c at output pixel (y, x), half-pixel centres, edges clamped.
float sample(const unsigned char* img, int h, int w, int ch, int c, int out_h, int out_w, int y, int x) {
  const float sy = std::clamp((y + 0.5f) * h / out_h - 0.5f, 0.f, static_cast<float>(h - 1));
  const float sx = std::clamp((x + 0.5f) * w / out_w - 0.5f, 0.f, static_cast<float>(w - 1));
  const int y0 = static_cast<int>(sy), x0 = static_cast<int>(sx);
  const int y1 = std::min(y0 + 1, h - 1), x1 = std::min(x0 + 1, w - 1);
  const float fy = sy - y0, fx = sx - x0;
  auto at = [&](int yy, int xx) { return static_cast<float>(img[(static_cast<size_t>(yy) * w + xx) * ch + c]); };
  return (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) + fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1));
}

}  // namespace

Result<CalibrationInput> load_image_dir(const std::string& dir, const ImageOptions& o) {
  if (o.channels != 1 && o.channels != 3) return Status::error("calibration images: channels must be 1 or 3");
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.is_regular_file() && is_image(e.path())) files.push_back(e.path());
  if (ec) return Status::error("calibration images: cannot list '" + dir + "': " + ec.message());
  std::sort(files.begin(), files.end());
  if (files.empty()) return Status::error("calibration images: no .png/.jpg/.jpeg files in '" + dir + "'");
  CalibrationInput out;
  int out_h = o.height, out_w = o.width;
  for (const auto& f : files) {
    int w = 0, h = 0, n = 0;
    unsigned char* img = stbi_load(f.string().c_str(), &w, &h, &n, o.channels);
    if (!img) return Status::error("calibration image '" + f.string() + "': cannot decode (" + stbi_failure_reason() + ")");
    if (out_h == 0) {
      out_h = h;
      out_w = w;
    }
    if (o.height == 0 && (h != out_h || w != out_w)) {
      stbi_image_free(img);
      return Status::error("calibration image '" + f.string() + "' is " + std::to_string(h) + "x" + std::to_string(w) +
                           ", the first image is " + std::to_string(out_h) + "x" + std::to_string(out_w) +
                           "; give --size HxW to resize them all");
    }
    for (int c = 0; c < o.channels; ++c)
      for (int y = 0; y < out_h; ++y)
        for (int x = 0; x < out_w; ++x) {
          const float v = (h == out_h && w == out_w) ? static_cast<float>(img[(static_cast<size_t>(y) * w + x) * o.channels + c])
                                                     : sample(img, h, w, o.channels, c, out_h, out_w, y, x);
          out.values.push_back((v / 255.f - o.mean[c]) / o.std[c]);
        }
    stbi_image_free(img);
  }
  out.dims = {static_cast<int64_t>(files.size()), o.channels, out_h, out_w};
  return out;
}

}  // namespace saturn::calibrate
