#pragma once
// NumPy's .npy arrays and .npz archives (a zip of .npy files, stored without compression), as
// numpy.load reads them: little-endian float32 ('<f4') and int64 ('<i8') arrays in C order.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace gradlab::exporting {

struct NpyArray {
  std::vector<uint64_t> shape;  // empty: a scalar
  std::vector<float> floats;    // float32 values, or
  std::vector<int64_t> ints;    // int64 values when floats is empty and ints is not
};

std::string npyBytes(const NpyArray& array);
// Entries are named NAME.npy in the archive: numpy.load(file)[NAME] gives the array back.
std::string npzBytes(const std::vector<std::pair<std::string, NpyArray>>& arrays);

}  // namespace gradlab::exporting
