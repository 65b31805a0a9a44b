// saturn-inspect: prints a .saturn model (metadata, inputs/outputs, tensors, nodes, weight bytes)
// and the plan of a session created for it (steps with inserted reorders, arena size vs bound).
//
//   saturn-inspect MODEL.saturn [--no-session]
//
// Exit codes: 0 ok, 1 error (message on stderr), 2 usage error.
#include <iostream>
#include <string>

#include "saturn/model.h"
#include "saturn/session.h"
#include "tools/common/model_printer.h"

int main(int argc, char** argv) {
  using namespace saturn;
  constexpr const char* kUsage = "usage: saturn-inspect MODEL.saturn [--no-session]\n";
  std::string path;
  bool with_session = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--no-session") {
      with_session = false;
    } else if (!a.empty() && a[0] != '-' && path.empty()) {
      path = a;
    } else {
      std::cerr << "saturn-inspect: unexpected argument '" << a << "'\n" << kUsage;
      return 2;
    }
  }
  if (path.empty()) {
    std::cerr << "saturn-inspect: no model given\n" << kUsage;
    return 2;
  }
  auto model = Model::load(path);
  if (!model) {
    std::cerr << "saturn-inspect: error: " << model.status().message() << "\n";
    return 1;
  }
  tools::print_model(**model, std::cout);
  if (!with_session) return 0;
  auto session = Session::create(*model);
  if (!session) {
    std::cerr << "saturn-inspect: error: " << session.status().with_context("creating a session").message() << "\n";
    return 1;
  }
  tools::print_session_plan(**session, std::cout);
  return 0;
}
