// The pass order of passes.h.
#include "converter/passes/passes.h"

namespace saturn::converter {

Status run_passes(ir::Graph& graph) {
  SATURN_RETURN_IF_ERROR(fold_constants(graph));
  SATURN_RETURN_IF_ERROR(remove_dead_nodes(graph));
  SATURN_RETURN_IF_ERROR(fold_pads(graph));
  SATURN_RETURN_IF_ERROR(fold_batchnorm(graph));
  SATURN_RETURN_IF_ERROR(fuse_layernorm(graph));
  SATURN_RETURN_IF_ERROR(mean_as_global_pool(graph));
  SATURN_RETURN_IF_ERROR(fold_affine_into_conv(graph));
  SATURN_RETURN_IF_ERROR(fuse_activations(graph));
  SATURN_RETURN_IF_ERROR(fold_affine_tails(graph));
  return remove_dead_nodes(graph);
}

}  // namespace saturn::converter
