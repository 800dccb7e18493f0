#pragma once
// Probe reports as CSV rows (shared by `train --probes` and `probe --out`):
// step,name,type,kind,count,mean,std,min,max,zero_fraction,saturated_fraction,norm,grad_norm,update_ratio
// Fields that do not apply are empty: zero_fraction (dead units) outside ReLU outputs,
// saturated_fraction outside Tanh and Sigmoid outputs, the norms on layer rows.
#include "train/probes.h"

#include <ostream>

namespace gradlab::cli {

inline void writeProbeHeader(std::ostream& out) {
  out << "step,name,type,kind,count,mean,std,min,max,zero_fraction,saturated_fraction,norm,grad_norm,update_ratio\n";
}

inline void writeProbeRows(std::ostream& out, const train::ProbeReport& report) {
  auto fraction = [&](const std::optional<double>& f) {
    if (f) out << *f;
  };
  auto stats = [&](const train::LayerProbe& l, const char* kind, const train::TensorStats& s) {
    if (s.count == 0) return;
    out << report.step << "," << l.node << "," << l.type << "," << kind << "," << s.count << "," << s.mean << ","
        << s.std << "," << s.min << "," << s.max << ",";
    fraction(s.deadFraction);
    out << ",";
    fraction(s.saturatedFraction);
    out << ",,,\n";
  };
  for (const auto& l : report.layers) {
    stats(l, "activation", l.activation);
    stats(l, "gradient", l.gradient);
  }
  for (const auto& p : report.parameters)
    out << report.step << "," << p.name << ",,parameter,,,,,,,," << p.norm << "," << p.gradNorm << "," << p.updateRatio
        << "\n";
}

}  // namespace gradlab::cli
