#include "converter/activation.h"

#include <cmath>
#include <limits>
#include <set>

#include "converter/lowering/lowering.h"

namespace saturn::converter {

bool is_activation_op(const ir::Node& n) {
  static const std::set<std::string> kOps{"Relu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "LeakyRelu", "Tanh"};
  return (n.domain.empty() && kOps.count(n.op_type) > 0) || is_internal_gelu(n);
}

bool is_internal_gelu(const ir::Node& n) { return n.domain == kInternalDomain && n.op_type == "Gelu"; }

const char* activation_name(ir::ActivationKind kind) {
  switch (kind) {
    case ir::ActivationKind::kNone: return "None";
    case ir::ActivationKind::kRelu: return "Relu";
    case ir::ActivationKind::kClip: return "Clip";
    case ir::ActivationKind::kSigmoid: return "Sigmoid";
    case ir::ActivationKind::kHardSigmoid: return "HardSigmoid";
    case ir::ActivationKind::kHardSwish: return "HardSwish";
    case ir::ActivationKind::kLeakyRelu: return "LeakyRelu";
    case ir::ActivationKind::kTanh: return "Tanh";
    case ir::ActivationKind::kSwish: return "Swish";
    case ir::ActivationKind::kGelu: return "Gelu";
  }
  return "?";
}

namespace {
Status unsupported(const ir::Node& n, const std::string& what) {
  return Status::error("unsupported: node '" + n.name + "' (" + n.op_type + ", opset " + std::to_string(n.opset) +
                       "): " + what);
}

Status check_attrs(const ir::Node& n, const std::set<std::string>& allowed) {
  for (const auto& [key, a] : n.attrs)
    if (!allowed.count(key)) return unsupported(n, "attribute '" + key + "' is not supported");
  return Status::ok();
}
}  // namespace

Result<ir::Activation> activation_from_node(const ir::Node& n, const ir::Graph& g) {
  ir::Activation a;
  const std::string& op = n.op_type;
  if (op == "Relu" || op == "Sigmoid" || op == "Tanh" || op == "HardSwish") {
    SATURN_RETURN_IF_ERROR(check_attrs(n, {}));
    a.kind = op == "Relu" ? ir::ActivationKind::kRelu
             : op == "Sigmoid" ? ir::ActivationKind::kSigmoid
             : op == "Tanh" ? ir::ActivationKind::kTanh
                            : ir::ActivationKind::kHardSwish;
    return a;
  }
  if (is_internal_gelu(n)) {
    SATURN_RETURN_IF_ERROR(check_attrs(n, {}));
    a.kind = ir::ActivationKind::kGelu;
    return a;
  }
  if (op == "HardSigmoid") {
    SATURN_RETURN_IF_ERROR(check_attrs(n, {"alpha", "beta"}));
    a.kind = ir::ActivationKind::kHardSigmoid;
    a.alpha = n.attr_float("alpha", 0.2f);
    a.beta = n.attr_float("beta", 0.5f);
    return a;
  }
  if (op == "LeakyRelu") {
    SATURN_RETURN_IF_ERROR(check_attrs(n, {"alpha"}));
    a.kind = ir::ActivationKind::kLeakyRelu;
    a.alpha = n.attr_float("alpha", 0.01f);
    return a;
  }
  if (op == "Clip") {
    float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
    if (n.opset < 11) {
      SATURN_RETURN_IF_ERROR(check_attrs(n, {"min", "max"}));
      lo = n.attr_float("min", lo);
      hi = n.attr_float("max", hi);
    } else {
      SATURN_RETURN_IF_ERROR(check_attrs(n, {}));
      for (int k = 1; k <= 2; ++k) {
        const std::string in = n.input(k);
        if (in.empty()) continue;
        const ir::Tensor* c = g.constant(in);
        if (!c) return unsupported(n, std::string(k == 1 ? "min" : "max") + " input '" + in + "' is not a constant");
        if (c->numel() != 1) return unsupported(n, "bound '" + in + "' is not a scalar");
        (k == 1 ? lo : hi) = static_cast<float>(c->as_doubles()[0]);
      }
    }
    if (std::isnan(lo) || std::isnan(hi)) return unsupported(n, "a bound is NaN");
    if (lo == 0 && std::isinf(hi) && hi > 0) {
      a.kind = ir::ActivationKind::kRelu;
      return a;
    }
    a.kind = ir::ActivationKind::kClip;
    a.alpha = lo;
    a.beta = hi;
    return a;
  }
  return unsupported(n, "not an activation");
}

}  // namespace saturn::converter
