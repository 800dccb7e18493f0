#pragma once
// Small networks for the 2-D toy datasets (moons, spiral), shared by the tests that train whole
// runs: one text per role, so every test trains the network its comments describe.
namespace gradlab::test {

// One Tanh hidden layer of 12: trains on moons in a few hundred steps and stays bounded.
inline constexpr const char* kMoonsNet = R"(input x: 2
h1 = Linear(x, out_features=12)
a1 = Tanh(h1)
logits = Linear(a1, out_features=2)
loss = CrossEntropyLoss(logits)
)";

// One ReLU hidden layer of 16, two classes: the network of the tests that drive a train::Run,
// whose parameters are h.weight, h.bias, logits.weight and logits.bias.
inline constexpr const char* kRunNet = R"(input x: 2
h = Linear(x, out_features=16)
a = ReLU(h)
logits = Linear(a, out_features=2)
loss = CrossEntropyLoss(logits)
)";

// ReLU keeps nothing bounded: a far too large learning rate overflows float32 within a few steps,
// which is how a test makes one run diverge.
inline constexpr const char* kReluNet = R"(input x: 2
h1 = Linear(x, out_features=12)
a1 = ReLU(h1)
h2 = Linear(a1, out_features=12)
a2 = ReLU(h2)
logits = Linear(a2, out_features=2)
loss = CrossEntropyLoss(logits)
)";

}  // namespace gradlab::test
