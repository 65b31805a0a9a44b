// Factories of every kernel family, one per line; registry.cc maps ops to them. A factory only
// allocates: all validation and setup happen in Kernel::prepare().
#pragma once

#include <memory>

#include "ops/kernel.h"

namespace saturn {

// oneDNN FP32 kernels (ops/*.cc).
std::unique_ptr<Kernel> make_unary_kernel();        // Unary: one Activation (eltwise)
std::unique_ptr<Kernel> make_binary_kernel();       // Binary: Add/Sub/Mul/Div, numpy broadcasting
std::unique_ptr<Kernel> make_softmax_kernel();      // Softmax
std::unique_ptr<Kernel> make_concat_kernel();       // Concat
std::unique_ptr<Kernel> make_reduce_mean_kernel();  // ReduceMean
std::unique_ptr<Kernel> make_layer_norm_kernel();   // LayerNorm

// Plain C++ data-movement kernels (ops/plain/*.cc), any dtype.
std::unique_ptr<Kernel> make_identity_kernel();   // Identity
std::unique_ptr<Kernel> make_reshape_kernel();    // Reshape, Flatten, Squeeze, Unsqueeze
std::unique_ptr<Kernel> make_transpose_kernel();  // Transpose
std::unique_ptr<Kernel> make_slice_kernel();      // Slice
std::unique_ptr<Kernel> make_channel_shuffle_kernel();  // ChannelShuffle
std::unique_ptr<Kernel> make_pad_kernel();        // Pad
std::unique_ptr<Kernel> make_gather_kernel();     // Gather

// Compute-heavy FP32 kernels on oneDNN (ops/conv.cc, conv_transpose.cc, gemm.cc, matmul.cc, pool.cc)
// and the plain C++ Resize (ops/resize.cc).
std::unique_ptr<Kernel> make_conv_kernel();            // Conv: 1-3 spatial dims, groups, fused activation
std::unique_ptr<Kernel> make_conv_transpose_kernel();  // ConvTranspose
std::unique_ptr<Kernel> make_gemm_kernel();            // Gemm: alpha, beta, transA/B, optional C
std::unique_ptr<Kernel> make_matmul_kernel();          // MatMul: numpy semantics, batch broadcasting
std::unique_ptr<Kernel> make_pool_kernel();            // Pool: Max/Average, ceil_mode, dilations
std::unique_ptr<Kernel> make_global_pool_kernel();     // GlobalPool: Max/Average
std::unique_ptr<Kernel> make_resize_kernel();          // Resize: Nearest/Linear, every coordinate transform

// Other families: append their factories here.

// Quantize / Dequantize at INT8 region borders (ops/quantize.cc), plain C++, any layout.
std::unique_ptr<Kernel> make_quantize_kernel();    // Quantize: F32 -> U8/S8 with Y's scale
std::unique_ptr<Kernel> make_dequantize_kernel();  // Dequantize: U8/S8/S32 -> F32 with X's scale

}  // namespace saturn
