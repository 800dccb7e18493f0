#include "ops/gemm.h"

#include <cmath>

namespace gradlab::ops::reference {
namespace {

template <class Term>
std::vector<double> accumulate(const GemmShape& s, std::span<const float> a, std::span<const float> b,
                               std::span<const float> c, std::span<const float> bias, Term term) {
  const uint32_t lda = s.leadA(), ldb = s.leadB(), ldc = s.leadC();
  std::vector<double> out(size_t(s.M) * ldc, 0.0);
  for (uint32_t i = 0; i < s.M; ++i)
    for (uint32_t j = 0; j < s.N; ++j) {
      double sum = 0;
      for (uint32_t k = 0; k < s.K; ++k) {
        const double av = s.transA ? a[size_t(k) * lda + i] : a[size_t(i) * lda + k];
        const double bv = s.transB ? b[size_t(j) * ldb + k] : b[size_t(k) * ldb + j];
        sum += term(av * bv);
      }
      const double cv = s.beta == 0 ? 0.0 : double(c[size_t(i) * ldc + j]);
      out[size_t(i) * ldc + j] =
          term(double(s.alpha) * sum) + term(double(s.beta) * cv) + (bias.empty() ? 0.0 : term(double(bias[j])));
    }
  return out;
}

}  // namespace

std::vector<double> gemm(const GemmShape& s, std::span<const float> a, std::span<const float> b,
                         std::span<const float> c, std::span<const float> bias) {
  return accumulate(s, a, b, c, bias, [](double v) { return v; });
}

std::vector<double> gemmErrorScale(const GemmShape& s, std::span<const float> a, std::span<const float> b,
                                   std::span<const float> c, std::span<const float> bias) {
  return accumulate(s, a, b, c, bias, [](double v) { return std::abs(v); });
}

}  // namespace gradlab::ops::reference
