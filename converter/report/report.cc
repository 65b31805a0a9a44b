#include "converter/report/report.h"

#include <fstream>

#include "converter/report/compare.h"
#include "converter/report/html_page.h"
#include "converter/report/report_data.h"

namespace saturn::report {

Status write_report(const ReportInputs& in, const std::string& path) {
  if (!in.fp32_graph || !in.int8_graph || !in.quant || !in.histograms || !in.data)
    return Status::error("report: missing inputs (graphs, quantization, histograms and calibration data are all needed)");
  Result<Comparison> c = compare_int8_with_fp32(*in.fp32_graph, *in.int8_graph, *in.quant, *in.data, in.threads);
  if (!c) return c.status();
  ReportData d = summarize(*in.int8_graph, *in.quant, *in.histograms, c.value());
  d.title = in.title;
  d.method = in.method;
  const std::string page = render_html(d);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(page.data(), static_cast<std::streamsize>(page.size()));
  f.close();
  if (!f) return Status::error("report: cannot write '" + path + "'");
  return Status::ok();
}

}  // namespace saturn::report
