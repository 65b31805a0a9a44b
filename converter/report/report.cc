#include "converter/report/report.h"

#include <fstream>

#include "converter/report/compare.h"
#include "converter/report/html_page.h"
#include "converter/report/report_data.h"

namespace saturn::report {

Status write_report(const ReportInputs& in, const Comparison& comparison, const std::string& path) {
  if (!in.int8_graph || !in.quant || !in.histograms)
    return Status::error("report: missing inputs (the INT8 graph, its quantization and the histograms are all needed)");
  ReportData d = summarize(*in.int8_graph, *in.quant, *in.histograms, comparison);
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
