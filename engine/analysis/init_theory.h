#pragma once
// What the lectures' initialisation argument predicts for a network's activations at step 0: for
// y = W x + b over n_in inputs, with weights independent of the inputs and of each other,
//   E[y] = E[b],  Var[y] = n_in Var[w] E[x^2] + Var[b]        (Linear and Conv2d: n_in = fan_in),
// and a point-wise activation f of y ~ N(E[y], Var[y]) has E[f(y)] and E[f(y)^2] as integrals over
// that Gaussian (ReLU halves E[y^2]; tanh and sigmoid are near-linear around 0). Normalisation
// layers give mean 0 and variance 1 at initialisation (scale 1, shift 0); Dropout keeps the mean and
// divides E[x^2] by 1 - p in training mode; Flatten changes nothing. Along a chain of such layers
// the std of every layer's output follows, layer by layer: the by-depth view draws it over the
// measured one. Each layer type states its rule in its registration (nn::MomentRule); a layer
// without one (pooling, Add) or where it does not hold (a constant initialisation, whose units are
// all equal) ends the prediction there.
#include "data/dataset.h"
#include "data/device_dataset.h"
#include "nn/graph.h"

#include <string>
#include <vector>

namespace gradlab::analysis {

// A layer's output moments over all its units and samples.
struct Moments {
  double mean = 0;
  double meanSquare = 0;  // E[x^2]
  double std() const;
};

struct PredictedLayer {
  std::string node;
  Moments output;
  // Backward: E[dx^2] / E[dy^2], the loss gradient's mean square at the layer's input over the one at
  // its output (Affine: n_out Var[w]; point-wise f: E[f'(y)^2]; normalisation: 1 / Var[x]). 0 where
  // the gradient's path does not continue: the input is not the previous layer predicted or feeds
  // other layers too (their gradients add).
  double gradientGain = 0;
};

struct PredictedGradient {
  std::string node;
  double std = 0;  // of the loss's gradient with respect to the layer's output
};

// The weights' variance the layer's initialisation gives (init, init_std, ... as nn/initializer.cpp
// reads them) for a tensor of fan-in `fanIn` and fan-out `fanOut`; negative where all weights are
// equal (init=constant) and the independence argument does not hold.
double initialWeightVariance(const nn::NodeParams& params, double fanIn, double fanOut);
// The bias's moments at initialisation (zeros, default uniform within 1/sqrt(fan_in), or constant).
Moments initialBiasMoments(const nn::NodeParams& params, double fanIn);

// E[f(y)] and E[f(y)^2] for y ~ N(mean, variance) and f the point-wise layer `type` ("ReLU", "Tanh",
// "Sigmoid", "LeakyReLU", "ELU", "PReLU": a type whose rule is MomentRule::Kind::PointWise) with
// its `params`; false for another type.
bool activationMoments(const std::string& type, const nn::NodeParams& params, const Moments& in, Moments* out);

// The moments of the network's input over the first `limit` samples of `train`, normalised by
// `mode` as the device does (with the statistics of those samples).
Moments inputMoments(const data::Dataset& train, data::Normalization mode, uint32_t limit = 2000);

// The predicted output moments of each layer in forward order, from the graph's one input with
// moments `input`, up to the first layer without a rule (the loss is never predicted). Empty for
// a graph that does not analyse, or has other than one input.
std::vector<PredictedLayer> predictActivations(const nn::Graph& graph, const Moments& input);

// E[f'(y)^2] for y ~ N(in) and f the point-wise layer `type`; negative for another type.
double activationDerivativeMeanSquare(const std::string& type, const nn::NodeParams& params, const Moments& in);

// The gradient std at each layer of `layers` (predictActivations), in forward order, back from the
// layer `from` whose gradient std is `fromStd` (measured, or the loss's at initialisation) to where
// the gradient's path stops (PredictedLayer::gradientGain). The gradients' mean is taken as 0, as in
// the Xavier / He derivations. Empty where `from` is not among `layers`.
std::vector<PredictedGradient> predictGradients(const std::vector<PredictedLayer>& layers, const std::string& from,
                                                double fromStd);

}  // namespace gradlab::analysis
