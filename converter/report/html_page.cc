#include "converter/report/html_page.h"

#include <cmath>
#include <cstdio>

#include "converter/report/histogram_svg.h"

namespace saturn::report {

std::string html_escape(const std::string& text) {
  std::string s;
  s.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': s += "&amp;"; break;
      case '<': s += "&lt;"; break;
      case '>': s += "&gt;"; break;
      case '"': s += "&quot;"; break;
      case '\'': s += "&#39;"; break;
      default: s += c;
    }
  }
  return s;
}

std::string format_sqnr(double db) {
  if (std::isnan(db)) return "n/a";
  if (std::isinf(db)) return db > 0 ? "exact" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f dB", db);
  return buf;
}

namespace {

constexpr const char* kStyle =
    "body{font-family:sans-serif;margin:1.5em;color:#222}"
    "table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}"
    "th{background:#f0f0f0}td.num{text-align:right;font-family:monospace}"
    ".worst{border-left:4px solid #d00;padding-left:8px}.flag{color:#fff;background:#d00;padding:0 4px;"
    "border-radius:3px;font-size:80%}section.tensor{margin:1.2em 0}h3{margin:0.2em 0;font-family:monospace}"
    ".legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px}";

std::string anchor(size_t i) { return "t-" + std::to_string(i); }

std::string tensor_link(const ReportData& d, size_t i) {
  return "<a href=\"#" + anchor(i) + "\"><code>" + html_escape(d.tensors[i].name) + "</code></a>";
}

std::string percent(double rate) {
  if (std::isnan(rate)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f%%", 100.0 * rate);
  return buf;
}

std::string dims_text(const std::vector<int64_t>& dims) {
  std::string s = "(";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + ")";
}

}  // namespace

std::string render_html(const ReportData& d) {
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Saturn INT8 report: " +
                  html_escape(d.title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  h += "<h1>Saturn INT8 calibration report</h1>\n<p>Model: <code>" + html_escape(d.title) + "</code><br>Calibration method: " +
       html_escape(d.method) + "<br>Calibration samples: " + std::to_string(d.samples) + " (batch size " +
       std::to_string(d.batch) + ")<br>Quantized activation tensors: " + std::to_string(d.tensors.size()) +
       "</p>\n<p>SQNR = 10 log10(&Sigma; x<sub>fp32</sub><sup>2</sup> / &Sigma; (x<sub>fp32</sub> &minus; "
       "x<sub>int8</sub>)<sup>2</sup>) over all calibration samples, with x<sub>int8</sub> = &alpha;&middot;q "
       "taken from the INT8 model run in Saturn. It is cumulative: a tensor's INT8 value carries the error of "
       "every layer before it, so late tensors rank low when error accumulates.</p>\n";

  h += "<h2 id=\"worst\">Five worst tensors</h2>\n";
  if (d.worst.empty()) {
    h += "<p>No tensor could be compared.</p>\n";
  } else {
    h += "<ol class=\"worst-list\">\n";
    for (size_t i : d.worst)
      h += "<li class=\"worst\"><span class=\"flag\">worst</span> " + tensor_link(d, i) + ": " +
           format_sqnr(d.tensors[i].sqnr_db) + " (" + d.tensors[i].dtype + ", T = " + format_number(d.tensors[i].threshold) +
           ")</li>\n";
    h += "</ol>\n";
  }

  h += "<h2 id=\"outputs\">Model outputs</h2>\n<table>\n<tr><th>output</th><th>dims</th><th>SQNR</th>"
       "<th>top-1 agreement</th><th>rows agreeing</th></tr>\n";
  for (const auto& o : d.outputs)
    h += "<tr><td><code>" + html_escape(o.name) + "</code></td><td>" + dims_text(o.dims) + "</td><td class=\"num\">" +
         format_sqnr(o.sqnr_db) + "</td><td class=\"num\">" + percent(o.top1) + "</td><td class=\"num\">" +
         std::to_string(o.agreeing) + " / " + std::to_string(o.rows) + "</td></tr>\n";
  h += "</table>\n<p>Top-1: argmax over the last axis, per row (sample, or position for sequence outputs).</p>\n";

  h += "<h2 id=\"tensors\">Quantized tensors</h2>\n<table>\n<tr><th>tensor</th><th>dtype</th><th>method</th><th>T</th>"
       "<th>&alpha;</th><th>SQNR</th></tr>\n";
  for (size_t i = 0; i < d.tensors.size(); ++i) {
    const TensorEntry& t = d.tensors[i];
    h += std::string("<tr") + (t.worst ? " class=\"worst\"" : "") + "><td>" + tensor_link(d, i) + "</td><td>" + t.dtype +
         "</td><td>" + html_escape(t.method) + "</td><td class=\"num\">" + format_number(t.threshold) +
         "</td><td class=\"num\">" + format_number(t.alpha) + "</td><td class=\"num\">" + format_sqnr(t.sqnr_db) +
         "</td></tr>\n";
  }
  h += "</table>\n<p class=\"legend\">Histograms: |x| of the calibration data, log<sub>10</sub>(1 + count);"
       "<span style=\"background:#3b6fb6\"></span>x &ge; 0<span style=\"background:#e08a2c\"></span>x &lt; 0"
       "<span style=\"background:#d00\"></span>threshold T</p>\n";

  for (size_t i = 0; i < d.tensors.size(); ++i) {
    const TensorEntry& t = d.tensors[i];
    h += "<section class=\"tensor" + std::string(t.worst ? " worst" : "") + "\" id=\"" + anchor(i) + "\">\n<h3>" +
         (t.worst ? "<span class=\"flag\">worst</span> " : "") + html_escape(t.name) + "</h3>\n<p>" + t.dtype +
         " &middot; method " + html_escape(t.method) + " &middot; T = " + format_number(t.threshold) +
         " &middot; &alpha; = " + format_number(t.alpha) + " &middot; SQNR " + format_sqnr(t.sqnr_db);
    if (t.threshold == 0.f) h += " &middot; all zeros in calibration";
    if (!t.compared) h += " &middot; no FP32 counterpart: not compared";
    else if (t.fp32_name != t.name) h += " &middot; compared with FP32 <code>" + html_escape(t.fp32_name) + "</code>";
    if (t.histogram) {
      h += "; |x| &le; " + format_number(t.histogram->abs_max()) + ", min " + format_number(t.histogram->min()) +
           ", max " + format_number(t.histogram->max()) + "</p>\n" + histogram_svg(*t.histogram, t.threshold) + "\n";
    } else {
      h += "</p>\n<p>No calibration histogram.</p>\n";
    }
    h += "</section>\n";
  }
  h += "</body>\n</html>\n";
  return h;
}

}  // namespace saturn::report
