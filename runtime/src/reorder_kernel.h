// The Reorder step the Session inserts to change a rank-4 runtime tensor's physical layout
// (Plain <-> Nhwc; see Layout in ops/kernel.h). Runtime-internal: it is not a model op and has no
// registry entry; profiles show it as op "Reorder", named "reorder:<tensor>-><layout>".
//
// prepare(): input 0 must be rank 4 and of a type oneDNN moves (f32, s8, u8, s32); the single
// output gets the input's dims and dtype in layout `target`. run() is a oneDNN reorder.
#pragma once

#include <memory>

#include "ops/kernel.h"

namespace saturn {

std::unique_ptr<Kernel> make_reorder_kernel(Layout target);

}  // namespace saturn
