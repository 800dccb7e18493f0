#pragma once
// The layout of a C++ push-constant value as the shader sees it: its scalars ("leaves") in
// order, each with its byte offset, size and kind. Recording::dispatch compares it with the
// layout the kernel's SPIR-V declares, so a struct that drifts from its shader's block (a member
// moved, a float where the shader has a uint) is refused when recorded instead of silently
// feeding the shader other values. Nothing is written by hand: an aggregate's members are found
// with structured bindings.
//
// A push value is a scalar, an std::array of scalars, or an aggregate whose members are scalars
// or such aggregates (no C arrays: brace elision would miscount them; use std::array or a shader
// array of a nested struct instead).
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

namespace gradlab::gpu {

struct PushLeaf {
  uint32_t offset = 0;  // bytes from the start of the block
  uint32_t size = 0;    // bytes
  bool isFloat = false;
  bool operator==(const PushLeaf&) const = default;
};

namespace push_detail {

// Converts to any member type, so T{AnyField{}, ...} compiles exactly while there are no more
// initialisers than T has members.
struct AnyField {
  template <class T>
  operator T() const;
};

template <class T, size_t... I>
constexpr bool initialisableWith(std::index_sequence<I...>) {
  return requires { T{(void(I), AnyField{})...}; };
}

template <class T, size_t N = 0>
constexpr size_t fieldCount() {
  if constexpr (N < 32 && initialisableWith<T>(std::make_index_sequence<N + 1>{}))
    return fieldCount<T, N + 1>();
  else
    return N;
}

template <class T>
void appendLeaves(const T& value, const std::byte* base, std::vector<PushLeaf>& out);

template <class T>
void appendMembers(const T& value, const std::byte* base, std::vector<PushLeaf>& out) {
  constexpr size_t count = fieldCount<T>();
  auto each = [&](const auto&... member) { (appendLeaves(member, base, out), ...); };
  static_assert(count >= 1 && count <= 24, "a push-constant struct has 1 to 24 members");
  // clang-format off
  if constexpr (count == 1) { auto& [m0] = value; each(m0); }
  else if constexpr (count == 2) { auto& [m0, m1] = value; each(m0, m1); }
  else if constexpr (count == 3) { auto& [m0, m1, m2] = value; each(m0, m1, m2); }
  else if constexpr (count == 4) { auto& [m0, m1, m2, m3] = value; each(m0, m1, m2, m3); }
  else if constexpr (count == 5) { auto& [m0, m1, m2, m3, m4] = value; each(m0, m1, m2, m3, m4); }
  else if constexpr (count == 6) { auto& [m0, m1, m2, m3, m4, m5] = value; each(m0, m1, m2, m3, m4, m5); }
  else if constexpr (count == 7) { auto& [m0, m1, m2, m3, m4, m5, m6] = value; each(m0, m1, m2, m3, m4, m5, m6); }
  else if constexpr (count == 8) { auto& [m0, m1, m2, m3, m4, m5, m6, m7] = value; each(m0, m1, m2, m3, m4, m5, m6, m7); }
  else if constexpr (count == 9) { auto& [m0, m1, m2, m3, m4, m5, m6, m7, m8] = value; each(m0, m1, m2, m3, m4, m5, m6, m7, m8); }
  else if constexpr (count == 10) { auto& [m0, m1, m2, m3, m4, m5, m6, m7, m8, m9] = value; each(m0, m1, m2, m3, m4, m5, m6, m7, m8, m9); }
  else if constexpr (count == 11) { auto& [m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10] = value; each(m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10); }
  else if constexpr (count == 12) { auto& [m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11] = value; each(m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11); }
  else if constexpr (count == 13) { auto& [m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12] = value; each(m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12); }
  else if constexpr (count == 14) { auto& [m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13] = value; each(m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13); }
  else if constexpr (count == 15) { auto& [m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14] = value; each(m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14); }
  else if constexpr (count == 16) { auto& [m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15] = value; each(m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15); }
  else if constexpr (count == 17) { auto& [m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15, m16] = value; each(m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15, m16); }
  else if constexpr (count == 18) { auto& [m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15, m16, m17] = value; each(m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15, m16, m17); }
  else if constexpr (count == 19) { auto& [m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15, m16, m17, m18] = value; each(m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15, m16, m17, m18); }
  else if constexpr (count == 20) { auto& [m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15, m16, m17, m18, m19] = value; each(m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15, m16, m17, m18, m19); }
  else if constexpr (count == 21) { auto& [m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15, m16, m17, m18, m19, m20] = value; each(m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15, m16, m17, m18, m19, m20); }
  else if constexpr (count == 22) { auto& [m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15, m16, m17, m18, m19, m20, m21] = value; each(m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15, m16, m17, m18, m19, m20, m21); }
  else if constexpr (count == 23) { auto& [m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15, m16, m17, m18, m19, m20, m21, m22] = value; each(m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15, m16, m17, m18, m19, m20, m21, m22); }
  else if constexpr (count == 24) { auto& [m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15, m16, m17, m18, m19, m20, m21, m22, m23] = value; each(m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15, m16, m17, m18, m19, m20, m21, m22, m23); }
  // clang-format on
}

template <class T>
void appendLeaves(const T& value, const std::byte* base, std::vector<PushLeaf>& out) {
  if constexpr (std::is_arithmetic_v<T> || std::is_enum_v<T>) {
    out.push_back({uint32_t(reinterpret_cast<const std::byte*>(&value) - base), uint32_t(sizeof(T)),
                   std::is_floating_point_v<T>});
  } else {
    static_assert(std::is_aggregate_v<T>, "a push-constant member is a scalar, an std::array or an aggregate");
    appendMembers(value, base, out);
  }
}

}  // namespace push_detail

// The leaves of `value`, in declaration order.
template <class Push>
std::vector<PushLeaf> pushLeaves(const Push& value) {
  std::vector<PushLeaf> leaves;
  push_detail::appendLeaves(value, reinterpret_cast<const std::byte*>(&value), leaves);
  return leaves;
}

}  // namespace gradlab::gpu
