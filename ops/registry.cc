#include "ops/registry.h"

#include "ops/ops.h"

namespace saturn {
namespace {

using P = LayoutPolicy;

// The single list of executable ops. One line per op; order does not matter.
constexpr OpEntry kOps[] = {
    {fb::Op::Unary, "Unary", P::kFollowFirst, &make_unary_kernel},
    {fb::Op::Binary, "Binary", P::kFollowFirst, &make_binary_kernel},
    {fb::Op::Softmax, "Softmax", P::kFollowFirst, &make_softmax_kernel},
    {fb::Op::Concat, "Concat", P::kFollowFirst, &make_concat_kernel},
    {fb::Op::ReduceMean, "ReduceMean", P::kFollowFirst, &make_reduce_mean_kernel},
    {fb::Op::LayerNorm, "LayerNorm", P::kPlain, &make_layer_norm_kernel},
    {fb::Op::Identity, "Identity", P::kPlain, &make_identity_kernel},
    {fb::Op::Reshape, "Reshape", P::kPlain, &make_reshape_kernel},
    {fb::Op::Flatten, "Flatten", P::kPlain, &make_reshape_kernel},
    {fb::Op::Squeeze, "Squeeze", P::kPlain, &make_reshape_kernel},
    {fb::Op::Unsqueeze, "Unsqueeze", P::kPlain, &make_reshape_kernel},
    {fb::Op::Transpose, "Transpose", P::kFollowFirst, &make_transpose_kernel},
    {fb::Op::Slice, "Slice", P::kFollowFirst, &make_slice_kernel},
    {fb::Op::Pad, "Pad", P::kFollowFirst, &make_pad_kernel},
    {fb::Op::Gather, "Gather", P::kPlain, &make_gather_kernel},
    {fb::Op::Conv, "Conv", P::kNhwc, &make_conv_kernel},
    {fb::Op::ConvTranspose, "ConvTranspose", P::kNhwc, &make_conv_transpose_kernel},
    {fb::Op::Gemm, "Gemm", P::kPlain, &make_gemm_kernel},
    {fb::Op::MatMul, "MatMul", P::kPlain, &make_matmul_kernel},
    {fb::Op::Pool, "Pool", P::kNhwc, &make_pool_kernel},
    {fb::Op::GlobalPool, "GlobalPool", P::kNhwc, &make_global_pool_kernel},
    {fb::Op::Resize, "Resize", P::kNhwc, &make_resize_kernel},
    {fb::Op::Quantize, "Quantize", P::kFollowFirst, &make_quantize_kernel},
    {fb::Op::Dequantize, "Dequantize", P::kFollowFirst, &make_dequantize_kernel},
    {fb::Op::ChannelShuffle, "ChannelShuffle", P::kFollowFirst, &make_channel_shuffle_kernel},
    // Append further ops above this line.
};

}  // namespace

const OpEntry* find_op(fb::Op op) {
  for (const OpEntry& entry : kOps) {
    if (entry.op == op) return &entry;
  }
  return nullptr;
}

}  // namespace saturn
