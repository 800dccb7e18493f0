#pragma once
// An optimizer's hyper-parameters after parsing and validation: every value of its catalog entry,
// defaults filled in, booleans as 0 or 1. What the device optimizers and the double-precision
// references (optim/reference.h) are built from.
#include <map>
#include <string>

namespace gradlab::optim {

struct Settings {
  std::string name;                      // catalog name: "sgd", "adam", ...
  std::map<std::string, double> values;  // "lr" -> 0.001, "amsgrad" -> 0, ...

  double operator[](const std::string& key) const {
    const auto it = values.find(key);
    return it == values.end() ? 0.0 : it->second;
  }
  bool flag(const std::string& key) const { return (*this)[key] != 0; }
  // Whether weight decay applies to a tensor: decays (weights) or decay_all=true.
  bool decays(bool tensorDecays) const { return tensorDecays || flag("decay_all"); }
};

// Parses `values` (name -> text) against the catalog entry of `name` and checks the ranges and the
// combinations PyTorch checks. Throws std::invalid_argument naming the value and its valid range,
// an unknown optimizer (listing the known ones) or an unknown hyper-parameter (listing the accepted).
Settings resolveSettings(const std::string& name, const std::map<std::string, std::string>& values = {});

}  // namespace gradlab::optim
