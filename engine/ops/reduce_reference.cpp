#include "ops/reduce.h"

#include <cmath>
#include <limits>

namespace gradlab::ops::reference {

double reduce(ReduceOp op, std::span<const float> x) {
  const double inf = std::numeric_limits<double>::infinity();
  switch (op) {
    case ReduceOp::Sum: {
      double s = 0;
      for (float v : x) s += v;
      return s;
    }
    case ReduceOp::Min: {
      double m = inf;
      for (float v : x) m = std::min<double>(m, v);
      return m;
    }
    case ReduceOp::Max: {
      double m = -inf;
      for (float v : x) m = std::max<double>(m, v);
      return m;
    }
    case ReduceOp::Mean:
    case ReduceOp::Variance: {
      if (x.empty()) return std::numeric_limits<double>::quiet_NaN();
      double mean = 0;
      for (float v : x) mean += v;
      mean /= double(x.size());
      if (op == ReduceOp::Mean) return mean;
      double m2 = 0;  // two passes: exact enough in double for any float input
      for (float v : x) m2 += (v - mean) * (v - mean);
      return m2 / double(x.size());
    }
  }
  return 0;
}

}  // namespace gradlab::ops::reference
