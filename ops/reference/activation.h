// Scalar reference of the fused activations, exactly as schema/saturn.fbs (ActivationKind) defines
// them, in double. Used by the INT8 reference kernels (DESIGN section 2) on real values.
#pragma once

#include <algorithm>
#include <cmath>

#include "saturn/schema/saturn_generated.h"

namespace saturn::reference {

// y = scale * f(x) + shift: f given by kind, alpha, beta; (scale, shift) is the affine tail.
struct Activation {
  fb::ActivationKind kind = fb::ActivationKind::None;
  float alpha = 0.f;
  float beta = 0.f;
  float scale = 1.f;
  float shift = 0.f;

  // The node's fused activation; null means None.
  static Activation from(const fb::Activation* a) {
    return a == nullptr ? Activation{} : Activation{a->kind(), a->alpha(), a->beta(), a->scale(), a->shift()};
  }
};

// f(x), without the tail.
inline double activate_function(const Activation& a, double x) {
  switch (a.kind) {
    case fb::ActivationKind::None: return x;
    case fb::ActivationKind::Relu: return std::max(x, 0.0);
    case fb::ActivationKind::Clip: return std::min(std::max(x, double{a.alpha}), double{a.beta});
    case fb::ActivationKind::Sigmoid: return 1.0 / (1.0 + std::exp(-x));
    case fb::ActivationKind::HardSigmoid: return std::max(0.0, std::min(1.0, a.alpha * x + a.beta));
    case fb::ActivationKind::HardSwish: return x * std::max(0.0, std::min(1.0, x / 6 + 0.5));
    case fb::ActivationKind::LeakyRelu: return x >= 0 ? x : a.alpha * x;
    case fb::ActivationKind::Tanh: return std::tanh(x);
    case fb::ActivationKind::Swish: return x / (1.0 + std::exp(-x));
    case fb::ActivationKind::Gelu: return x * (1.0 + std::erf(x / std::sqrt(2.0))) / 2;
  }
  return x;
}

inline double activate(const Activation& a, double x) {
  return double{a.scale} * activate_function(a, x) + double{a.shift};
}

}  // namespace saturn::reference
