#include "converter/shape_rules.h"

#include <algorithm>

namespace saturn::converter {

std::string dims_to_string(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

Result<int64_t> normalize_axis(int64_t axis, int64_t rank, const std::string& what) {
  if (axis < -rank || axis >= rank)
    return Status::error(what + " " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

Result<std::vector<int64_t>> normalize_axes(std::vector<int64_t> axes, int64_t rank, const std::string& what) {
  for (auto& a : axes) {
    Result<int64_t> r = normalize_axis(a, rank, what);
    if (!r) return r.status();
    a = *r;
  }
  std::sort(axes.begin(), axes.end());
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end())
    return Status::error(what + " " + dims_to_string(axes) + " repeat an axis");
  return axes;
}

Result<std::vector<int64_t>> resolve_reshape(const std::vector<int64_t>& in_dims, const std::vector<int64_t>& shape,
                                             bool allowzero) {
  int64_t in_count = 1;
  for (int64_t d : in_dims) in_count *= d;
  std::vector<int64_t> out(shape.size());
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    int64_t d = shape[i];
    if (d == -1) {
      if (infer >= 0) return Status::error("reshape target " + dims_to_string(shape) + " has more than one -1");
      infer = static_cast<int>(i);
      continue;
    }
    if (d == 0 && !allowzero) {
      if (i >= in_dims.size())
        return Status::error("reshape target " + dims_to_string(shape) + " copies dim " + std::to_string(i) +
                             " (0) but the input " + dims_to_string(in_dims) + " has only " +
                             std::to_string(in_dims.size()) + " dims");
      d = in_dims[i];
    }
    if (d < 0) return Status::error("reshape target " + dims_to_string(shape) + " has a negative dim");
    out[i] = d;
    known *= d;
  }
  if (infer >= 0) {
    if (known == 0 || in_count % known != 0)
      return Status::error("reshape target " + dims_to_string(shape) + " cannot hold the " +
                           std::to_string(in_count) + " elements of input " + dims_to_string(in_dims));
    out[infer] = in_count / known;
  } else if (known != in_count) {
    return Status::error("reshape target " + dims_to_string(shape) + " (" + std::to_string(known) +
                         " elements) does not match input " + dims_to_string(in_dims) + " (" +
                         std::to_string(in_count) + " elements)");
  }
  return out;
}

Result<SliceSpec> resolve_slice(const std::vector<int64_t>& in_dims, const std::vector<int64_t>& starts,
                                const std::vector<int64_t>& ends, const std::vector<int64_t>& axes_in,
                                const std::vector<int64_t>& steps_in) {
  const int64_t rank = static_cast<int64_t>(in_dims.size());
  if (starts.size() != ends.size())
    return Status::error("slice starts " + dims_to_string(starts) + " and ends " + dims_to_string(ends) +
                         " differ in length");
  std::vector<int64_t> axes = axes_in;
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  std::vector<int64_t> steps = steps_in;
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (axes.size() != starts.size() || steps.size() != starts.size())
    return Status::error("slice axes " + dims_to_string(axes) + " / steps " + dims_to_string(steps) +
                         " do not match starts " + dims_to_string(starts));
  SliceSpec s;
  s.starts.assign(rank, 0);
  s.ends = in_dims;
  s.steps.assign(rank, 1);
  std::vector<bool> seen(rank, false);
  for (size_t i = 0; i < axes.size(); ++i) {
    Result<int64_t> ax = normalize_axis(axes[i], rank, "slice axis");
    if (!ax) return ax.status();
    if (seen[*ax]) return Status::error("slice axes " + dims_to_string(axes) + " repeat an axis");
    seen[*ax] = true;
    const int64_t dim = in_dims[*ax], step = steps[i];
    if (step == 0) return Status::error("slice step is 0 on axis " + std::to_string(*ax));
    int64_t start = starts[i], end = ends[i];
    if (start < 0) start = start < -dim ? -1 : start + dim;  // saturating add for huge negatives
    if (end < 0) end = end < -dim ? -1 : end + dim;
    if (dim == 0) {
      start = end = 0;
    } else if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
    }
    s.starts[*ax] = start;
    s.ends[*ax] = end;
    s.steps[*ax] = step;
  }
  for (int64_t d = 0; d < rank; ++d) {
    const int64_t st = s.starts[d], en = s.ends[d], step = s.steps[d];
    int64_t n = 0;
    if (step > 0 && en > st) n = (en - st + step - 1) / step;
    if (step < 0 && st > en) n = (st - en + (-step) - 1) / (-step);
    s.out_dims.push_back(n);
  }
  return s;
}

Result<std::vector<int64_t>> resolve_squeeze(const std::vector<int64_t>& in_dims, std::vector<int64_t>* axes) {
  const int64_t rank = static_cast<int64_t>(in_dims.size());
  if (axes->empty()) {
    for (int64_t d = 0; d < rank; ++d)
      if (in_dims[d] == 1) axes->push_back(d);
  } else {
    Result<std::vector<int64_t>> n = normalize_axes(*axes, rank, "squeeze axes");
    if (!n) return n.status();
    *axes = *n;
  }
  std::vector<int64_t> out;
  size_t k = 0;
  for (int64_t d = 0; d < rank; ++d) {
    if (k < axes->size() && (*axes)[k] == d) {
      if (in_dims[d] != 1)
        return Status::error("squeeze axis " + std::to_string(d) + " has size " + std::to_string(in_dims[d]) +
                             ", expected 1");
      ++k;
      continue;
    }
    out.push_back(in_dims[d]);
  }
  return out;
}

Result<std::vector<int64_t>> resolve_unsqueeze(const std::vector<int64_t>& in_dims, std::vector<int64_t>* axes) {
  const int64_t out_rank = static_cast<int64_t>(in_dims.size() + axes->size());
  Result<std::vector<int64_t>> n = normalize_axes(*axes, out_rank, "unsqueeze axes");
  if (!n) return n.status();
  *axes = *n;
  std::vector<int64_t> out;
  size_t k = 0, src = 0;
  for (int64_t d = 0; d < out_rank; ++d) {
    if (k < axes->size() && (*axes)[k] == d) {
      out.push_back(1);
      ++k;
    } else {
      out.push_back(in_dims[src++]);
    }
  }
  return out;
}

}  // namespace saturn::converter
