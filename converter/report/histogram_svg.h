// An AbsHistogram (converter/calibrate/histogram.h) drawn as an inline SVG element for the
// calibration report, with the saturation threshold T marked.
//
// Picture: width x height pixels. The x axis is |x| from 0 to max(histogram range, T), linear; the
// 2048 bins are merged into `bars` bars (2048 / bars bins each; bars must divide 2048). Bar height
// is log10(1 + count), scaled so the tallest bar fills the plot. Each bar's height is split in
// proportion to the counts of each sign: x >= 0 at the bottom (blue), x < 0 stacked on top
// (orange). T is a red vertical line labelled "T = ...". Axis labels
// give 0 and the axis end. Empty bars are not drawn. The result is a self-contained <svg> element
// (no external references, no scripts) that can be embedded in HTML.
#pragma once

#include <string>

#include "converter/calibrate/histogram.h"

namespace saturn::report {

struct SvgOptions {
  int width = 640;
  int height = 160;
  int bars = 256;
};

std::string histogram_svg(const calibrate::AbsHistogram& histogram, float threshold, const SvgOptions& options = {});

// Formats a float for display with `digits` significant digits ("%.*g").
std::string format_number(double value, int digits = 4);

}  // namespace saturn::report
