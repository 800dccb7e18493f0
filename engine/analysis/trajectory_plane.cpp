#include "analysis/trajectory_plane.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace gradlab::analysis {
namespace {

constexpr size_t kBlock = 4096;  // parameters per block of the Gram products

double dot(const ParamVector& a, const ParamVector& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += double(a[i]) * b[i];
  return s;
}

void checkSize(const ParamVector& v, size_t n, const std::string& what) {
  if (v.size() != n)
    throw std::invalid_argument(what + " has " + std::to_string(v.size()) + " values, the plane's origin " +
                                std::to_string(n) + ": all must come from the same network");
}

// Eigenvalues (descending) and eigenvectors (columns of `vectors`, n x n row-major) of the
// symmetric matrix `a`, by cyclic Jacobi rotations.
void symmetricEigen(std::vector<double> a, size_t n, std::vector<double>& values, std::vector<double>& vectors) {
  std::vector<double> v(n * n, 0.0);
  for (size_t i = 0; i < n; ++i) v[i * n + i] = 1;
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0, total = 0;
    for (size_t i = 0; i < n; ++i)
      for (size_t j = 0; j < n; ++j) (i == j ? total : off) += a[i * n + j] * a[i * n + j];
    if (off <= 1e-30 * (total + off)) break;
    for (size_t p = 0; p < n; ++p)
      for (size_t q = p + 1; q < n; ++q) {
        const double apq = a[p * n + q];
        if (apq == 0) continue;
        const double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const double t = (theta >= 0 ? 1 : -1) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (size_t k = 0; k < n; ++k) {  // columns p, q
          const double akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (size_t k = 0; k < n; ++k) {  // rows p, q
          const double apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (size_t k = 0; k < n; ++k) {
          const double vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t x, size_t y) { return a[x * n + x] > a[y * n + y]; });
  values.resize(n);
  vectors.assign(n * n, 0.0);
  for (size_t c = 0; c < n; ++c) {
    values[c] = a[order[c] * n + order[c]];
    for (size_t k = 0; k < n; ++k) vectors[k * n + c] = v[k * n + order[c]];
  }
}

}  // namespace

std::vector<PlanePoint> project(const Plane& plane, const std::vector<ParamVector>& snapshots) {
  const size_t n = plane.origin.size();
  checkSize(plane.first, n, "The plane's first direction");
  checkSize(plane.second, n, "The plane's second direction");
  // Normal equations of the 2-D least-squares problem: [a b; b c] (x, y) = (d1.r, d2.r).
  const double a = dot(plane.first, plane.first), b = dot(plane.first, plane.second),
               c = dot(plane.second, plane.second);
  const double det = a * c - b * b;
  const bool twoD = a > 0 && c > 0 && det > 1e-12 * a * c;
  std::vector<PlanePoint> points;
  for (size_t s = 0; s < snapshots.size(); ++s) {
    const ParamVector& theta = snapshots[s];
    checkSize(theta, n, "Snapshot " + std::to_string(s));
    double p = 0, q = 0;
    for (size_t i = 0; i < n; ++i) {
      const double r = double(theta[i]) - plane.origin[i];
      p += plane.first[i] * r;
      q += plane.second[i] * r;
    }
    PlanePoint point;
    if (twoD) {
      point.x = (c * p - b * q) / det;
      point.y = (a * q - b * p) / det;
    } else if (a > 0) {
      point.x = p / a;
    }
    double distance = 0;
    for (size_t i = 0; i < n; ++i) {
      const double e = double(theta[i]) - plane.origin[i] - point.x * plane.first[i] - point.y * plane.second[i];
      distance += e * e;
    }
    point.distance = std::sqrt(distance);
    points.push_back(point);
  }
  return points;
}

PcaPlane pcaPlane(const std::vector<const ParamVector*>& snapshots, const ParamVector& origin, PcaCentre centre) {
  const size_t count = snapshots.size(), n = origin.size();
  if (count == 0) throw std::invalid_argument("The PCA plane needs at least one snapshot");
  for (size_t s = 0; s < count; ++s) checkSize(*snapshots[s], n, "Snapshot " + std::to_string(s));

  std::vector<double> mean(n, 0.0);  // of snapshot - origin; zero when centred on the origin
  if (centre == PcaCentre::Mean)
    for (const ParamVector* s : snapshots)
      for (size_t i = 0; i < n; ++i) mean[i] += (double((*s)[i]) - origin[i]) / double(count);
  // The centred snapshots y_s = snapshot - origin - mean, one block of parameters at a time.
  std::vector<double> block(count * kBlock);
  auto centred = [&](size_t from, size_t width) {
    for (size_t s = 0; s < count; ++s)
      for (size_t i = 0; i < width; ++i)
        block[s * kBlock + i] = double((*snapshots[s])[from + i]) - origin[from + i] - mean[from + i];
  };
  std::vector<double> gram(count * count, 0.0);
  for (size_t from = 0; from < n; from += kBlock) {
    const size_t width = std::min(kBlock, n - from);
    centred(from, width);
    for (size_t s = 0; s < count; ++s)
      for (size_t t = s; t < count; ++t) {
        double sum = 0;
        for (size_t i = 0; i < width; ++i) sum += block[s * kBlock + i] * block[t * kBlock + i];
        gram[s * count + t] += sum;
      }
  }
  for (size_t s = 0; s < count; ++s)
    for (size_t t = 0; t < s; ++t) gram[s * count + t] = gram[t * count + s];

  std::vector<double> values, vectors;
  symmetricEigen(gram, count, values, vectors);
  const double trace = std::max(std::accumulate(values.begin(), values.end(), 0.0), 0.0);

  // Principal direction k: Y^T u_k / sqrt(lambda_k), a unit vector.
  PcaPlane pca;
  pca.plane.origin = origin;
  ParamVector* directions[2] = {&pca.plane.first, &pca.plane.second};
  for (size_t k = 0; k < 2; ++k) {
    directions[k]->assign(n, 0.0f);
    if (k >= count || !(values[k] > 1e-12 * trace) || trace == 0) continue;
    pca.explained[k] = values[k] / trace;
    // The sign is arbitrary; fix it so that the largest component of u_k is positive.
    size_t largest = 0;
    for (size_t s = 1; s < count; ++s)
      if (std::abs(vectors[s * count + k]) > std::abs(vectors[largest * count + k])) largest = s;
    const double scale = (vectors[largest * count + k] < 0 ? -1 : 1) / std::sqrt(values[k]);
    for (size_t from = 0; from < n; from += kBlock) {
      const size_t width = std::min(kBlock, n - from);
      centred(from, width);
      for (size_t i = 0; i < width; ++i) {
        double sum = 0;
        for (size_t s = 0; s < count; ++s) sum += vectors[s * count + k] * block[s * kBlock + i];
        (*directions[k])[from + i] = float(sum * scale);
      }
    }
  }
  return pca;
}

RunsInPlane commonPlane(const std::vector<std::vector<ParamVector>>& runs, const ParamVector& origin,
                        PcaCentre centre) {
  std::vector<const ParamVector*> all;
  for (const auto& run : runs)
    for (const auto& s : run) all.push_back(&s);
  RunsInPlane result;
  result.pca = pcaPlane(all, origin, centre);
  for (const auto& run : runs) result.paths.push_back(project(result.pca.plane, run));
  return result;
}

RunsInPlane runSetPlane(const std::vector<std::vector<ParamVector>>& runs) {
  if (runs.empty()) throw std::invalid_argument("The run set's plane needs at least one run");
  for (size_t r = 0; r < runs.size(); ++r)
    if (runs[r].empty())
      throw std::invalid_argument("Run " + std::to_string(r + 1) + " has no weights to place on the plane");
  const size_t n = runs[0].front().size();
  std::vector<double> sum(n, 0.0);
  for (size_t r = 0; r < runs.size(); ++r) {
    checkSize(runs[r].front(), n, "Run " + std::to_string(r + 1) + "'s start");
    for (size_t i = 0; i < n; ++i) sum[i] += runs[r].front()[i];
  }
  ParamVector start(n);
  for (size_t i = 0; i < n; ++i) start[i] = float(sum[i] / double(runs.size()));
  // A shared start is copied exactly (the mean of equal floats can round away from them).
  if (std::all_of(runs.begin(), runs.end(), [&](const auto& run) { return run.front() == runs[0].front(); }))
    start = runs[0].front();
  return commonPlane(runs, start, PcaCentre::Origin);
}

GridSpec gridAround(const std::vector<std::vector<PlanePoint>>& paths, double margin, uint32_t steps) {
  // The origin (the landscape's center) is always inside.
  double x0 = 0, x1 = 0, y0 = 0, y1 = 0;
  for (const auto& path : paths)
    for (const auto& p : path) {
      x0 = std::min(x0, p.x), x1 = std::max(x1, p.x);
      y0 = std::min(y0, p.y), y1 = std::max(y1, p.y);
    }
  const double w = x1 - x0 > 0 ? x1 - x0 : 1, h = y1 - y0 > 0 ? y1 - y0 : 1;
  return {x0 - margin * w, x1 + margin * w, y0 - margin * h, y1 + margin * h, steps, steps};
}

}  // namespace gradlab::analysis
