// report/report_data.h and report/html_page.h: the worst-five ranking and the page's structure, on
// a hand-made INT8 graph with known SQNRs.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "converter/report/histogram_svg.h"
#include "converter/report/html_page.h"
#include "converter/report/report_data.h"

namespace saturn::report {
namespace {

using converter::ir::ElemType;

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + what.size())) ++n;
  return n;
}

// An accumulator with the given SQNR: signal 1, noise 10^(-db/10).
SqnrAccumulator with_db(double db) {
  SqnrAccumulator a;
  const float ref = 1.f, test = 1.f + static_cast<float>(std::sqrt(std::pow(10.0, -db / 10.0)));
  a.add(std::vector<float>{ref}, std::vector<float>{test});
  return a;
}

struct Fixture {
  converter::ir::Graph graph;
  converter::QuantMap quant;
  std::map<std::string, calibrate::AbsHistogram> histograms;
  Comparison comparison;
};

// x -> t0 -> t1 -> ... -> t7 (Relu nodes; the types are only labels here). SQNRs (dB):
// t0 30, t1 12, t2 25, t3 8 (named "<a&b>" to test escaping), t4 40, t5 exact, t6 not compared,
// t7 no signal (NaN). t2's histogram is left out.
Fixture make_fixture() {
  Fixture f;
  auto& g = f.graph;
  g.inputs = {"x"};
  g.tensors["x"] = {"x", ElemType::kFloat, true, {1, 4}, std::nullopt};
  const std::vector<std::string> names = {"t0", "t1", "t2", "<a&b>", "t4", "t5", "t6", "t7"};
  const std::vector<double> dbs = {30, 12, 25, 8, 40, INFINITY, 0, NAN};
  std::string prev = "x";
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& n = names[i];
    g.tensors[n] = {n, i % 2 ? ElemType::kInt8 : ElemType::kUint8, true, {1, 4}, std::nullopt};
    g.nodes.push_back(converter::ir::make_node("Relu", "node" + std::to_string(i), 13, {prev}, {n}));
    prev = n;
    converter::TensorQuant q;
    q.threshold = 2.f + static_cast<float>(i);
    q.scale = {q.threshold / (i % 2 ? 127.f : 255.f)};
    q.method = fb::CalibrationMethod::Entropy;
    f.quant[n] = q;
    if (i != 2) {
      calibrate::AbsHistogram h;
      EXPECT_TRUE(h.observe(std::vector<float>{0.5f, -1.f, 3.f + i, 1.f}));
      f.histograms.emplace(n, h);
    }
    if (n == "t6") continue;
    TensorComparison tc;
    tc.fp32_name = n;
    if (n == "t5") tc.sqnr.add(std::vector<float>{1}, std::vector<float>{1});
    else if (n == "t7") tc.sqnr.add(std::vector<float>{0}, std::vector<float>{0.1f});
    else tc.sqnr = with_db(dbs[i]);
    f.comparison.tensors[n] = tc;
  }
  g.outputs = {prev};
  OutputComparison oc;
  oc.name = "y";
  oc.dims = {2, 3};
  oc.sqnr = with_db(33);
  oc.top1.add(std::vector<float>{0, 1, 0, 1, 0, 0}, std::vector<float>{0, 1, 0, 0, 0, 1}, 3);
  f.comparison.outputs.push_back(oc);
  f.comparison.samples = 8;
  f.comparison.batch = 2;
  return f;
}

TEST(ReportData, WorstFiveAreTheLowestComparedSqnrsInOrder) {
  const Fixture f = make_fixture();
  const ReportData d = summarize(f.graph, f.quant, f.histograms, f.comparison);
  ASSERT_EQ(d.tensors.size(), 8u);
  std::vector<std::string> worst;
  for (size_t i : d.worst) worst.push_back(d.tensors[i].name);
  // 8 < 12 < 25 < 30 < 40; exact (inf) comes after, not-compared and NaN are never ranked.
  EXPECT_EQ(worst, (std::vector<std::string>{"<a&b>", "t1", "t2", "t0", "t4"}));
  for (const auto& t : d.tensors) EXPECT_EQ(t.worst, t.name != "t5" && t.name != "t6" && t.name != "t7") << t.name;
  EXPECT_NEAR(d.tensors[1].sqnr_db, 12.0, 1e-4);
  EXPECT_EQ(d.tensors[0].dtype, "u8");
  EXPECT_EQ(d.tensors[1].dtype, "s8");
  EXPECT_EQ(d.tensors[0].method, "entropy");
  EXPECT_FLOAT_EQ(d.tensors[3].threshold, 5.f);
  EXPECT_FLOAT_EQ(d.tensors[3].alpha, 5.f / 127.f);
  EXPECT_FALSE(d.tensors[6].compared);
  EXPECT_TRUE(std::isnan(d.tensors[7].sqnr_db));
  EXPECT_EQ(d.tensors[2].histogram, nullptr);
  EXPECT_NE(d.tensors[0].histogram, nullptr);
  ASSERT_EQ(d.outputs.size(), 1u);
  EXPECT_NEAR(d.outputs[0].sqnr_db, 33.0, 1e-4);
  EXPECT_EQ(d.outputs[0].rows, 2u);
  EXPECT_EQ(d.outputs[0].agreeing, 1u);
  EXPECT_DOUBLE_EQ(d.outputs[0].top1, 0.5);
}

TEST(ReportHtml, OneSectionPerTensorWithSvgAndAnOrderedWorstList) {
  const Fixture f = make_fixture();
  ReportData d = summarize(f.graph, f.quant, f.histograms, f.comparison);
  d.title = "model.onnx";
  d.method = "entropy";
  const std::string page = render_html(d);
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(count(page, "<section class=\"tensor"), 8u);
  EXPECT_EQ(count(page, "<section class=\"tensor worst\""), 5u);
  EXPECT_EQ(count(page, "<svg"), 7u);  // t2 has no histogram
  EXPECT_EQ(count(page, "class=\"threshold\""), 7u);
  // Self-contained: no scripts, links, images or external URLs (other than the SVG namespace).
  EXPECT_EQ(count(page, "<script"), 0u);
  EXPECT_EQ(count(page, "<link"), 0u);
  EXPECT_EQ(count(page, "src="), 0u);
  EXPECT_EQ(count(page, "http"), count(page, "xmlns=\"http://www.w3.org/2000/svg\""));
  // Escaped names.
  EXPECT_EQ(count(page, "<a&b>"), 0u);
  EXPECT_GE(count(page, "&lt;a&amp;b&gt;"), 3u);
  // The worst list comes first and is ordered by SQNR.
  const size_t list = page.find("<ol class=\"worst-list\">");
  const size_t list_end = page.find("</ol>", list);
  ASSERT_NE(list, std::string::npos);
  EXPECT_LT(list, page.find("<section"));
  const std::string ol = page.substr(list, list_end - list);
  EXPECT_EQ(count(ol, "<li"), 5u);
  size_t last = 0;
  for (const std::string name : {"&lt;a&amp;b&gt;", "t1", "t2", "t0", "t4"}) {
    const size_t p = ol.find("<code>" + name + "</code>");
    ASSERT_NE(p, std::string::npos) << name;
    EXPECT_GT(p, last) << name;
    last = p;
  }
  EXPECT_NE(ol.find("8.00 dB"), std::string::npos);
  // Output table and SQNR formats.
  EXPECT_NE(page.find("33.00 dB"), std::string::npos);
  EXPECT_NE(page.find("50.00%"), std::string::npos);
  EXPECT_NE(page.find("exact"), std::string::npos);
  EXPECT_NE(page.find("not compared"), std::string::npos);
  // Sections are anchored and the worst list links to them.
  EXPECT_NE(page.find("id=\"t-3\""), std::string::npos);
  EXPECT_NE(ol.find("href=\"#t-3\""), std::string::npos);
}

TEST(ReportHtml, FormatsAndEscapes) {
  EXPECT_EQ(format_sqnr(12.345), "12.35 dB");
  EXPECT_EQ(format_sqnr(INFINITY), "exact");
  EXPECT_EQ(format_sqnr(NAN), "n/a");
  EXPECT_EQ(html_escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
}

TEST(ReportSvg, MarksTheThresholdAtItsPlaceOnTheAxis) {
  calibrate::AbsHistogram h;
  ASSERT_TRUE(h.observe(std::vector<float>{0.1f, -0.2f, 0.3f, 3.9f}));  // range 4
  ASSERT_FLOAT_EQ(h.range(), 4.f);
  SvgOptions o;
  o.width = 216;  // plot width 200 from x = 8
  const std::string svg = histogram_svg(h, 2.f, o);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_EQ(count(svg, "</svg>"), 1u);
  EXPECT_NE(svg.find("class=\"threshold\" x1=\"108\""), std::string::npos) << svg;
  EXPECT_NE(svg.find("T = 2"), std::string::npos);
  EXPECT_GE(count(svg, "fill=\"#e08a2c\""), 1u);  // the negative value
  // T beyond the histogram's range extends the axis: the line sits at the right end.
  const std::string wide = histogram_svg(h, 8.f, o);
  EXPECT_NE(wide.find("class=\"threshold\" x1=\"208\""), std::string::npos) << wide;
  EXPECT_NE(wide.find("|x| = 8"), std::string::npos);
}

}  // namespace
}  // namespace saturn::report
