#pragma once
// The shape of one sample's tensor (the batch dimension is not part of it): {features} for flat
// data, {channels, height, width} for images. Tensors are contiguous, row-major, batch first.
#include <cstdint>
#include <string>
#include <vector>

namespace gradlab::nn {

struct Shape {
  std::vector<uint32_t> dims;

  Shape() = default;
  Shape(std::initializer_list<uint32_t> d) : dims(d) {}
  explicit Shape(std::vector<uint32_t> d) : dims(std::move(d)) {}

  size_t rank() const { return dims.size(); }
  uint64_t elements() const {
    uint64_t n = 1;
    for (uint32_t d : dims) n *= d;
    return dims.empty() ? 0 : n;
  }
  bool isImage() const { return dims.size() == 3; }
  uint32_t channels() const { return dims.size() == 3 ? dims[0] : 1; }
  uint32_t height() const { return dims.size() == 3 ? dims[1] : 1; }
  uint32_t width() const { return dims.size() == 3 ? dims[2] : 1; }
  bool operator==(const Shape&) const = default;

  // "256" or "1x28x28"
  std::string text() const {
    std::string out;
    for (size_t i = 0; i < dims.size(); ++i) out += (i ? "x" : "") + std::to_string(dims[i]);
    return out.empty() ? "()" : out;
  }
};

}  // namespace gradlab::nn
