#include "converter/report/histogram_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace saturn::report {

std::string format_number(double value, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*g", digits, value);
  return buf;
}

namespace {

std::string num(double v) { return format_number(v, 5); }

}  // namespace

std::string histogram_svg(const calibrate::AbsHistogram& h, float threshold, const SvgOptions& o) {
  constexpr int kLeft = 8, kRight = 8, kTop = 18, kBottom = 18;
  const int bars = std::clamp(o.bars, 1, calibrate::AbsHistogram::kBins);
  const int per_bar = calibrate::AbsHistogram::kBins / bars;
  const double plot_w = o.width - kLeft - kRight, plot_h = o.height - kTop - kBottom;
  const double axis_end = std::max<double>(h.range(), threshold);
  const auto& total = h.counts();
  const auto& negative = h.negative_counts();

  std::vector<double> all(bars, 0.0), neg(bars, 0.0);
  for (int i = 0; i < calibrate::AbsHistogram::kBins && i / per_bar < bars; ++i) {
    all[i / per_bar] += static_cast<double>(total[i]);
    neg[i / per_bar] += static_cast<double>(negative[i]);
  }
  double top = 0.0;
  for (double c : all) top = std::max(top, std::log10(1.0 + c));

  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(o.width) + "\" height=\"" +
                  std::to_string(o.height) + "\" viewBox=\"0 0 " + std::to_string(o.width) + " " +
                  std::to_string(o.height) + "\" role=\"img\">\n";
  s += "<rect x=\"0\" y=\"0\" width=\"" + std::to_string(o.width) + "\" height=\"" + std::to_string(o.height) +
       "\" fill=\"#fff\" stroke=\"#ccc\"/>\n";
  const double base = kTop + plot_h;
  if (axis_end > 0.0 && top > 0.0) {
    // Bars span [0, range) of the axis.
    const double bar_w = plot_w * (h.range() / axis_end) / bars;
    for (int b = 0; b < bars; ++b) {
      if (all[b] <= 0.0) continue;
      const double height = plot_h * std::log10(1.0 + all[b]) / top;
      const double neg_h = height * neg[b] / all[b];
      const double x = kLeft + b * bar_w;
      if (height - neg_h > 0.0)
        s += "<rect x=\"" + num(x) + "\" y=\"" + num(base - (height - neg_h)) + "\" width=\"" + num(bar_w) +
             "\" height=\"" + num(height - neg_h) + "\" fill=\"#3b6fb6\"/>\n";
      if (neg_h > 0.0)
        s += "<rect x=\"" + num(x) + "\" y=\"" + num(base - height) + "\" width=\"" + num(bar_w) + "\" height=\"" +
             num(neg_h) + "\" fill=\"#e08a2c\"/>\n";
    }
  }
  s += "<line x1=\"" + num(kLeft) + "\" y1=\"" + num(base) + "\" x2=\"" + num(kLeft + plot_w) + "\" y2=\"" + num(base) +
       "\" stroke=\"#444\"/>\n";
  s += "<text x=\"" + num(kLeft) + "\" y=\"" + num(o.height - 4) + "\" font-size=\"11\">0</text>\n";
  s += "<text x=\"" + num(kLeft + plot_w) + "\" y=\"" + num(o.height - 4) +
       "\" font-size=\"11\" text-anchor=\"end\">|x| = " + format_number(axis_end) + "</text>\n";
  if (axis_end > 0.0) {
    const double tx = kLeft + plot_w * threshold / axis_end;
    s += "<line class=\"threshold\" x1=\"" + num(tx) + "\" y1=\"" + num(kTop - 4) + "\" x2=\"" + num(tx) + "\" y2=\"" +
         num(base) + "\" stroke=\"#d00\" stroke-width=\"2\"/>\n";
    const bool right = tx > kLeft + plot_w / 2;
    s += "<text x=\"" + num(right ? tx - 4 : tx + 4) + "\" y=\"" + num(kTop - 6) + "\" font-size=\"11\" fill=\"#d00\"" +
         (right ? " text-anchor=\"end\"" : "") + ">T = " + format_number(threshold) + "</text>\n";
  }
  s += "</svg>";
  return s;
}

}  // namespace saturn::report
