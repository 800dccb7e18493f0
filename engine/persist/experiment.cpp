#include "persist/experiment.h"

#include <bit>
#include <cstring>

namespace gradlab::persist {

bool MetricPoint::operator==(const MetricPoint& o) const {
  return step == o.step && std::bit_cast<uint64_t>(loss) == std::bit_cast<uint64_t>(o.loss) &&
         std::bit_cast<uint64_t>(accuracy) == std::bit_cast<uint64_t>(o.accuracy);
}

bool Tensor::operator==(const Tensor& o) const {
  return shape == o.shape && values.size() == o.values.size() &&
         (values.empty() || std::memcmp(values.data(), o.values.data(), values.size() * sizeof(float)) == 0);
}

}  // namespace gradlab::persist
