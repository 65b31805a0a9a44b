// Calibration images: every PNG or JPEG file of a directory (extensions .png .jpg .jpeg, any case;
// other files are skipped), in sorted file-name order, decoded with stb_image to 8-bit RGB (or gray
// with channels = 1), resized bilinearly (half-pixel centres, no antialiasing) to height x width
// when given, and normalized per channel as (v / 255 - mean[c]) / std[c]. Result: one
// CalibrationInput of dims (N, C, H, W), CHW float, name left empty.
// Without a size every image must have the first image's size. Errors name the file.
#pragma once

#include <array>
#include <string>

#include "converter/calibrate/collector.h"
#include "saturn/status.h"

namespace saturn::calibrate {

struct ImageOptions {
  int height = 0;  // 0 = keep the image's own size
  int width = 0;
  int channels = 3;  // 3 = RGB, 1 = gray
  std::array<float, 3> mean{0.f, 0.f, 0.f};
  std::array<float, 3> std{1.f, 1.f, 1.f};
};

Result<CalibrationInput> load_image_dir(const std::string& dir, const ImageOptions& options);

}  // namespace saturn::calibrate
