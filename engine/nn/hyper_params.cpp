#include "nn/hyper_params.h"

#include <charconv>
#include <cmath>

namespace gradlab::nn {

std::string formatNumber(double value) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  std::string text(buffer, ec == std::errc() ? end : buffer);
  // Keep reals recognisable as reals: "1" -> "1.0" (but not "1e-05").
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
  return text;
}

static std::string rangeText(const ParamDef& def) {
  auto bound = [&](double v) { return def.kind == ParamKind::Int ? std::to_string((long long)v) : formatNumber(v); };
  return "[" + bound(def.min) + ", " + bound(def.max) + "]";
}

std::string valueProblem(const ParamDef& def, const std::string& text) {
  if (text.empty()) return def.required() ? "needs " + def.name + " (" + def.help + ")" : std::string();
  std::string error;
  return ParamValue::parse(def, text, &error) ? std::string() : error;
}

std::optional<ParamValue> ParamValue::parse(const ParamDef& def, const std::string& text, std::string* error) {
  ParamValue out;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  const bool bounded = def.min <= def.max;
  switch (def.kind) {
    case ParamKind::Int: {
      long long v = 0;
      auto [end, ec] = std::from_chars(first, last, v);
      if (text.empty() || ec != std::errc() || end != last) {
        *error = def.name + " must be an integer, got '" + text + "'";
        return std::nullopt;
      }
      if (bounded && (v < def.min || v > def.max)) {
        *error = def.name + " = " + text + " is outside " + rangeText(def);
        return std::nullopt;
      }
      out.value_ = v;
      out.text_ = std::to_string(v);
      return out;
    }
    case ParamKind::Float: {
      double v = 0;
      auto [end, ec] = std::from_chars(first, last, v);
      if (text.empty() || ec != std::errc() || end != last || !std::isfinite(v)) {
        *error = def.name + " must be a finite number, got '" + text + "'";
        return std::nullopt;
      }
      if (bounded && (v < def.min || v > def.max)) {
        *error = def.name + " = " + text + " is outside " + rangeText(def);
        return std::nullopt;
      }
      out.value_ = v;
      out.text_ = formatNumber(v);
      return out;
    }
    case ParamKind::Bool: {
      if (text == "true" || text == "True" || text == "1")
        out.value_ = true;
      else if (text == "false" || text == "False" || text == "0")
        out.value_ = false;
      else {
        *error = def.name + " must be true or false, got '" + text + "'";
        return std::nullopt;
      }
      out.text_ = out.asBool() ? "true" : "false";
      return out;
    }
    case ParamKind::Choice: {
      for (const auto& choice : def.choices)
        if (choice == text) {
          out.value_ = text;
          out.text_ = text;
          return out;
        }
      std::string list;
      for (const auto& choice : def.choices) list += (list.empty() ? "" : ", ") + choice;
      *error = def.name + " must be one of " + list + ", got '" + text + "'";
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace gradlab::nn
