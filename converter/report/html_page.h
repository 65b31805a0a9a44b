// The calibration report as one self-contained HTML page (inline CSS and SVG; no scripts, no
// external resources), from a ReportData (report/report_data.h).
//
// Layout, top to bottom:
//   - header: title, calibration method, samples and batch size, number of quantized tensors;
//   - "Five worst tensors": the ReportData::worst list, lowest SQNR first, each linking to its
//     section (id "t-<index>");
//   - "Model outputs": per graph output its SQNR and top-1 agreement (argmax over the last axis);
//   - "Quantized tensors": a table of every tensor (name, dtype, method, T, alpha, SQNR);
//   - one <section class="tensor"> per quantized tensor: method, T, alpha, dtype, SQNR, the FP32
//     tensor compared with, and the |x| histogram (report/histogram_svg.h) with T marked. Sections
//     of the worst tensors carry the class "worst" and a "worst" flag.
// SQNR display: "%.2f dB", "exact" for +inf, "n/a" for NaN (not compared, or no signal).
#pragma once

#include <string>

#include "converter/report/report_data.h"

namespace saturn::report {

std::string render_html(const ReportData& data);

// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string html_escape(const std::string& text);

// "12.34 dB", "exact" (+inf) or "n/a" (NaN).
std::string format_sqnr(double db);

}  // namespace saturn::report
