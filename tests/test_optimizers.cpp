// The optimizers on the device against their double-precision references (optim/reference.h), step
// by step over 100+ steps of random gradients, for every optimizer and the settings that change its
// rule (momentum, Nesterov, dampening, weight decay on decaying and non-decaying tensors,
// decay_all, amsgrad, centered, lr_decay, decoupled decay, ...). Also: a not-finite step changes
// nothing, reset() clears the state, invalid hyper-parameters are refused with PyTorch-like messages,
// Adagrad's effective step decays while RMSprop's does not, and the state reads back sensibly.
#include "optim/optimizer.h"
#include "optim/reference.h"
#include "optim/settings.h"
#include "support/gpu_test.h"

#include <QTest>

#include <cmath>
#include <cstring>
#include <random>

using namespace gradlab;

namespace {

using Values = std::map<std::string, std::string>;

struct Config {
  std::string optimizer;
  Values values;
  std::string label() const {
    std::string text = optimizer;
    for (const auto& [k, v] : values) text += " " + k + "=" + v;
    return text;
  }
};

// Parameter tensors on the device with their gradients, a control block and a step counter, and
// one recording of the optimizer's update, replayed once per step as a training session does.
class Bench {
 public:
  Bench(gpu::Context& context, const std::vector<uint32_t>& sizes, const std::vector<bool>& decays, uint32_t seed)
      : context_(context), control_(context, 16, true), step_(context, 4, true) {
    for (size_t k = 0; k < sizes.size(); ++k) {
      values_.push_back(std::make_unique<gpu::Buffer>(context, sizes[k] * 4ull));
      grads_.push_back(std::make_unique<gpu::Buffer>(context, sizes[k] * 4ull));
      const auto init = test::randomFloats(sizes[k], seed + uint32_t(k), -1, 1);
      values_.back()->upload(init.data(), init.size() * 4);
      params_.push_back({"t" + std::to_string(k), *values_.back(), *grads_.back(), sizes[k], decays[k]});
    }
    setControl(false, 0.01f);
    setStep(0);
  }

  void record(optim::Optimizer& opt) {
    rec_ = std::make_unique<gpu::Recording>(context_);
    opt.recordUpdate(*rec_, params_, {control_, step_});
    rec_->finish();
  }
  void setControl(bool notFinite, float lr) {
    uint32_t c[4] = {notFinite ? 1u : 0u, 0, 0, 0};
    std::memcpy(&c[3], &lr, 4);
    control_.upload(c, 16);
  }
  void setStep(uint32_t counter) { step_.upload(&counter, 4); }
  void setGrad(size_t k, const std::vector<float>& g) { grads_[k]->upload(g.data(), g.size() * 4); }
  // One step as a session runs it: the update, then the step counter moves on.
  void step(uint32_t counterBefore) {
    setStep(counterBefore);
    context_.run(*rec_);
    setStep(counterBefore + 1);
  }
  std::vector<float> value(size_t k) const { return values_[k]->read<float>(params_[k].count); }
  gpu::Buffer& control() { return control_; }
  gpu::Buffer& step() { return step_; }
  const std::vector<optim::ParamRef>& params() const { return params_; }

 private:
  gpu::Context& context_;
  gpu::Buffer control_, step_;
  std::vector<std::unique_ptr<gpu::Buffer>> values_, grads_;
  std::vector<optim::ParamRef> params_;
  std::unique_ptr<gpu::Recording> rec_;
};

std::vector<double> toDouble(const std::vector<float>& v) { return {v.begin(), v.end()}; }

template <class F>
std::string expectInvalid(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no exception)";
}

}  // namespace

class TestOptimizers : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

  // Runs `steps` steps of `config` on tensors of `sizes` (alternately decaying and not) with fresh
  // random gradients each step, comparing the parameters with the reference after every step and
  // the state after the last.
  void compareWithReference(const Config& config, uint32_t steps, const std::vector<uint32_t>& sizes,
                            double rtol = 1e-4, double atol = 1e-5) {
    const optim::Settings settings = optim::resolveSettings(config.optimizer, config.values);
    auto opt = optim::createOptimizer(*context_, config.optimizer, config.values);
    std::vector<bool> decays;
    for (size_t k = 0; k < sizes.size(); ++k) decays.push_back(k % 2 == 0);
    Bench bench(*context_, sizes, decays, 17);
    const float lr = float(opt->learningRate());
    bench.setControl(false, lr);
    bench.record(*opt);
    std::vector<std::vector<double>> want;
    std::vector<optim::reference::TensorState> states(sizes.size());
    for (size_t k = 0; k < sizes.size(); ++k) want.push_back(toDouble(bench.value(k)));
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> scaleOf(0.05f, 2.0f);
    for (uint32_t t = 1; t <= steps; ++t) {
      std::vector<std::vector<float>> grads;
      for (size_t k = 0; k < sizes.size(); ++k) {
        auto g = test::randomFloats(sizes[k], 1000 * t + uint32_t(k), -1, 1);
        const float scale = scaleOf(rng);  // the gradient's size changes from step to step
        for (float& x : g) x *= scale;
        bench.setGrad(k, g);
        grads.push_back(std::move(g));
      }
      bench.step(t - 1);
      for (size_t k = 0; k < sizes.size(); ++k) {
        optim::reference::step(settings, want[k], toDouble(grads[k]), states[k], t, double(lr), decays[k]);
        const double worst = test::worstOfBound(bench.value(k), want[k], rtol, atol);
        if (!(worst <= 1)) {
          QFAIL(
              qPrintable(QString("%1: tensor %2 (%3 elements, decays %4) off the reference at step %5 by %6x the bound")
                             .arg(QString::fromStdString(config.label()))
                             .arg(k)
                             .arg(sizes[k])
                             .arg(decays[k])
                             .arg(t)
                             .arg(worst)));
        }
      }
    }
    // The state the device keeps is the reference's.
    const auto names = opt->stateNames();
    for (size_t k = 0; k < sizes.size(); ++k)
      for (const auto& [name, ref] : states[k].vectors) {
        if (std::find(names.begin(), names.end(), name) == names.end()) continue;
        const auto got = opt->readState(k, name);
        QCOMPARE(got.size(), ref.size());
        const double worst = test::worstOfBound(got, ref, 1e-3, 1e-6);
        QVERIFY2(worst <= 1, qPrintable(QString("%1: state %2 of tensor %3 off by %4x the bound")
                                            .arg(QString::fromStdString(config.label()))
                                            .arg(QString::fromStdString(name))
                                            .arg(k)
                                            .arg(worst)));
      }
  }

  void compareAll(const std::vector<Config>& configs) {
    for (const auto& c : configs) {
      compareWithReference(c, 100, {1, 37, 1000, 2500});
      if (QTest::currentTestFailed()) return;
    }
  }

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  // Every registered optimizer brings its double reference (its file's registration): one step
  // of each on a small vector moves it and keeps it finite.
  void everyOptimizerRegistersItsReference() {
    for (const auto& def : optim::optimizerCatalog()) {
      const optim::Settings settings = optim::resolveSettings(def.name);
      std::vector<double> param{0.5, -1.0, 2.0};
      const std::vector<double> before = param;
      optim::reference::TensorState state;
      optim::reference::step(settings, param, {0.1, -0.2, 0.3}, state, 1, 0.01, true);
      QVERIFY2(param != before, def.name.c_str());
      for (double v : param) QVERIFY2(std::isfinite(v), def.name.c_str());
    }
  }

  void catalogNamesEveryOptimizer() {
    const std::vector<std::string> expected{"sgd",   "adagrad",   "rmsprop",  "adam",     "adamw",     "radam",
                                            "nadam", "adabelief", "diffgrad", "adamnorm", "adaminject"};
    QCOMPARE(optim::optimizerCatalog().size(), expected.size());
    for (const auto& name : expected) {
      const auto* def = optim::findOptimizer(name);
      QVERIFY2(def, name.c_str());
      auto opt = optim::createOptimizer(*context_, name);
      QCOMPARE(opt->name(), def->title);
      bool hasLr = false, hasDecayAll = false;
      for (const auto& p : def->params) {
        hasLr = hasLr || (p.name == "lr" && std::stod(p.defaultValue) == opt->learningRate());
        hasDecayAll = hasDecayAll || p.name == "decay_all";
      }
      QVERIFY2(hasLr && hasDecayAll, name.c_str());
    }
    QVERIFY(!optim::findOptimizer("adamax"));
    QCOMPARE(optim::createOptimizer(*context_, "adam")->learningRate(), 1e-3);
    QCOMPARE(optim::createOptimizer(*context_, "nadam")->learningRate(), 2e-3);
    QCOMPARE(optim::resolveSettings("adamw")["weight_decay"], 1e-2);
    QCOMPARE(optim::resolveSettings("adagrad")["eps"], 1e-10);
    QCOMPARE(optim::resolveSettings("rmsprop")["alpha"], 0.99);
  }

  void sgdMatchesReference() {
    compareAll({{"sgd", {}},
                {"sgd", {{"lr", "0.05"}, {"weight_decay", "0.2"}}},
                {"sgd", {{"lr", "0.01"}, {"momentum", "0.9"}}},
                {"sgd", {{"lr", "0.01"}, {"momentum", "0.9"}, {"dampening", "0.5"}, {"weight_decay", "0.1"}}},
                {"sgd", {{"lr", "0.01"}, {"momentum", "0.8"}, {"nesterov", "true"}, {"weight_decay", "0.05"}}},
                {"sgd",
                 {{"lr", "0.01"},
                  {"momentum", "0.9"},
                  {"nesterov", "true"},
                  {"weight_decay", "0.1"},
                  {"decay_all", "true"}}}});
  }

  void adagradMatchesReference() {
    compareAll({{"adagrad", {}},
                {"adagrad", {{"lr_decay", "0.01"}, {"weight_decay", "0.1"}, {"initial_accumulator_value", "0.5"}}},
                {"adagrad", {{"lr", "0.1"}, {"weight_decay", "0.1"}, {"decay_all", "true"}}}});
  }

  void rmspropMatchesReference() {
    compareAll({{"rmsprop", {}},
                {"rmsprop", {{"centered", "true"}}},
                {"rmsprop", {{"momentum", "0.9"}, {"weight_decay", "0.05"}}},
                {"rmsprop",
                 {{"centered", "true"},
                  {"momentum", "0.5"},
                  {"alpha", "0.9"},
                  {"weight_decay", "0.01"},
                  {"decay_all", "true"}}}});
  }

  void adamAndAdamWMatchReference() {
    compareAll({{"adam", {}},
                {"adam", {{"amsgrad", "true"}}},
                {"adam", {{"weight_decay", "0.1"}, {"beta1", "0.8"}, {"beta2", "0.99"}}},
                {"adam", {{"lr", "0.01"}, {"amsgrad", "true"}, {"weight_decay", "0.1"}, {"decay_all", "true"}}},
                {"adam", {{"beta1", "0"}, {"eps", "1e-6"}}},
                {"adamw", {}},
                {"adamw", {{"lr", "0.01"}, {"amsgrad", "true"}, {"weight_decay", "0.5"}}},
                {"adamw", {{"decay_all", "true"}}}});
  }

  void radamMatchesReference() {
    compareAll({{"radam", {}},
                {"radam", {{"weight_decay", "0.1"}}},
                {"radam", {{"decoupled_weight_decay", "true"}, {"weight_decay", "0.1"}, {"beta2", "0.99"}}}});
  }

  void nadamMatchesReference() {
    compareAll({{"nadam", {}},
                {"nadam", {{"weight_decay", "0.1"}, {"momentum_decay", "0.01"}}},
                {"nadam", {{"decoupled_weight_decay", "true"}, {"weight_decay", "0.1"}, {"decay_all", "true"}}}});
  }

  void adaBeliefAndDiffGradMatchReference() {
    compareAll({{"adabelief", {}},
                {"adabelief", {{"weight_decay", "0.1"}, {"decay_all", "true"}}},
                {"diffgrad", {}},
                {"diffgrad", {{"weight_decay", "0.1"}, {"beta1", "0.5"}}}});
  }

  void adamNormAndAdamInjectMatchReference() {
    compareAll({{"adamnorm", {}},
                {"adamnorm", {{"gamma", "0.5"}, {"weight_decay", "0.1"}}},
                {"adaminject", {}},
                {"adaminject", {{"lr", "0.1"}, {"k", "1"}, {"weight_decay", "0.1"}}}});
  }

  // The training session's default plain SGD (its own kernel, sgd_update.comp, four values per
  // step): p - lr g (to float rounding, fused or not), on sizes whose last vec4 is partial, past
  // one capped grid, and of 1.
  void plainSgdIsPMinusLrG() {
    const std::vector<uint32_t> sizes{1, 7, 1030, (1u << 22) + 4099};
    Bench bench(*context_, sizes, std::vector<bool>(sizes.size(), true), 11);
    std::vector<std::vector<float>> before, grads;
    for (size_t k = 0; k < sizes.size(); ++k) {
      before.push_back(bench.value(k));
      grads.push_back(test::randomFloats(sizes[k], 50 + uint32_t(k), -1, 1));
      bench.setGrad(k, grads.back());
    }
    optim::Sgd sgd(0.25);
    bench.setControl(false, 0.25f);
    bench.record(sgd);
    bench.step(0);
    for (size_t k = 0; k < sizes.size(); ++k) {
      const auto after = bench.value(k);
      for (size_t i = 0; i < after.size(); ++i)
        QVERIFY2(std::abs(after[i] - (before[k][i] - 0.25f * grads[k][i])) <=
                     1e-6f * (std::abs(before[k][i]) + std::abs(grads[k][i])),
                 qPrintable(QString("tensor of %1, value %2: %3, want %4")
                                .arg(sizes[k])
                                .arg(i)
                                .arg(after[i])
                                .arg(before[k][i] - 0.25f * grads[k][i])));
    }
  }

  void largeTensorsUseEveryElement() {
    // More elements than one pass of the capped grid covers (4096 groups of 256), and a gradient
    // norm reduced over them.
    for (const char* name : {"adam", "adamnorm", "sgd"}) {
      compareWithReference({name, {{"lr", "0.01"}}}, 3, {(1u << 20) + 4099});
      if (QTest::currentTestFailed()) return;
    }
  }

  // AdamNorm's gradient norm of a tensor longer than one work group's share (4096 values) is
  // reduced by many work groups and a final pass (three dispatches with the update), a short one by
  // one work group (two); both equal the double-precision norm of g + wd p.
  void gradientNormSpreadsOverWorkGroups() {
    for (const uint32_t n : {1000u, 300000u + 17}) {
      auto opt = optim::createOptimizer(*context_, "adamnorm", {{"weight_decay", "0.1"}});
      Bench bench(*context_, {n}, {true}, 23);
      const auto g = test::randomFloats(n, 24);
      bench.setGrad(0, g);
      const auto p = bench.value(0);
      bench.record(*opt);
      gpu::Recording rec(*context_);
      opt->recordUpdate(rec, bench.params(), {bench.control(), bench.step()});
      QCOMPARE(rec.dispatchCount(), n > 4096 ? 3u : 2u);
      bench.step(0);
      double squares = 0;
      for (uint32_t i = 0; i < n; ++i) squares += std::pow(double(g[i]) + 0.1 * double(p[i]), 2);
      const auto norms = opt->readState(0, "grad_norm");
      QVERIFY2(std::abs(norms[0] - std::sqrt(squares)) <= 1e-5 * std::sqrt(squares),
               qPrintable(QString("%1 values: norm %2, want %3").arg(n).arg(norms[0]).arg(std::sqrt(squares))));
    }
  }

  void notFiniteFlagStopsUpdates() {
    for (const char* name :
         {"sgd", "adagrad", "rmsprop", "adam", "radam", "nadam", "adabelief", "diffgrad", "adamnorm", "adaminject"}) {
      auto opt = optim::createOptimizer(*context_, name, {{"weight_decay", "0.1"}});
      Bench bench(*context_, {300, 7}, {true, false}, 3);
      bench.record(*opt);
      bench.setGrad(0, test::randomFloats(300, 8));
      bench.setGrad(1, test::randomFloats(7, 9));
      const auto before = bench.value(0);
      bench.setControl(true, 0.1f);
      bench.step(0);
      QVERIFY2(bench.value(0) == before, name);
      for (const auto& state : opt->stateNames()) {
        if (state == "effective_lr" || state == "rectification" || state == "mu_product") continue;
        const auto values = opt->readState(0, state);
        const float initial = 0;
        for (float v : values) QVERIFY2(v == initial, (std::string(name) + " " + state).c_str());
      }
      if (std::string(name) == "nadam") QCOMPARE(opt->readState(0, "mu_product"), std::vector<float>{1.0f});
      bench.setControl(false, 0.1f);
      bench.step(1);
      QVERIFY2(bench.value(0) != before, name);
    }
  }

  void resetZeroesState() {
    for (const auto& [name, values] :
         std::vector<std::pair<std::string, Values>>{{"sgd", {{"momentum", "0.9"}}},
                                                     {"adagrad", {{"initial_accumulator_value", "0.25"}}},
                                                     {"rmsprop", {{"centered", "true"}, {"momentum", "0.9"}}},
                                                     {"adam", {{"amsgrad", "true"}}},
                                                     {"nadam", {}},
                                                     {"diffgrad", {}},
                                                     {"adamnorm", {}},
                                                     {"adaminject", {}}}) {
      auto opt = optim::createOptimizer(*context_, name, values);
      Bench bench(*context_, {50}, {true}, 4);
      bench.record(*opt);
      for (uint32_t t = 0; t < 3; ++t) {
        bench.setGrad(0, test::randomFloats(50, 20 + t));
        bench.step(t);
      }
      const float initial = name == "adagrad" ? 0.25f : 0.0f;
      for (const auto& state : opt->stateNames()) {
        if (state == "effective_lr" || state == "rectification" || state == "mu_product") continue;
        const auto v = opt->readState(0, state);
        QVERIFY2(!v.empty() && std::any_of(v.begin(), v.end(), [&](float x) { return x != initial; }),
                 (name + " " + state + " before reset").c_str());
      }
      opt->reset();
      for (const auto& state : opt->stateNames()) {
        if (state == "effective_lr" || state == "rectification" || state == "mu_product") continue;
        for (float x : opt->readState(0, state)) QVERIFY2(x == initial, (name + " " + state + " after reset").c_str());
      }
      if (name == "nadam") QCOMPARE(opt->readState(0, "mu_product"), std::vector<float>{1.0f});
    }
  }

  void invalidHyperParametersAreRefused() {
    auto msg = [&](const std::string& name, const Values& v) {
      return expectInvalid([&] { optim::createOptimizer(*context_, name, v); });
    };
    auto has = [](const std::string& text, const std::string& part) {
      if (text.find(part) != std::string::npos) return true;
      qWarning("'%s' does not contain '%s'", text.c_str(), part.c_str());
      return false;
    };
    QVERIFY(has(msg("adam", {{"lr", "-0.1"}}), "Invalid lr value: -0.1 (Adam needs 0.0 <= lr <= 1e+06)"));
    QVERIFY(has(msg("adam", {{"beta1", "1"}}), "Invalid beta1 value: 1.0 (Adam needs 0.0 <= beta1 < 1.0)"));
    QVERIFY(has(msg("nadam", {{"beta2", "-0.5"}}), "Invalid beta2 value: -0.5"));
    QVERIFY(has(msg("adam", {{"eps", "0"}}), "Invalid eps value: 0.0 (Adam needs eps > 0.0)"));
    QVERIFY(has(msg("sgd", {{"momentum", "-0.9"}}), "Invalid momentum value: -0.9 (SGD needs momentum >= 0.0)"));
    QVERIFY(has(msg("adamw", {{"weight_decay", "-1"}}), "Invalid weight_decay value: -1.0"));
    QVERIFY(has(msg("rmsprop", {{"alpha", "1.5"}}), "0.0 <= alpha <= 1.0"));
    QVERIFY(has(msg("adagrad", {{"lr_decay", "-1"}}), "lr_decay >= 0.0"));
    QVERIFY(has(msg("adagrad", {{"initial_accumulator_value", "-1"}}), "initial_accumulator_value >= 0.0"));
    QVERIFY(has(msg("nadam", {{"momentum_decay", "-1"}}), "momentum_decay >= 0.0"));
    QVERIFY(has(msg("adaminject", {{"k", "0"}}), "k > 0.0"));
    QVERIFY(has(msg("adamnorm", {{"gamma", "2"}}), "0.0 <= gamma <= 1.0"));
    QVERIFY(has(msg("sgd", {{"nesterov", "true"}}), "Nesterov momentum requires a momentum > 0 and zero dampening"));
    QVERIFY(has(msg("sgd", {{"nesterov", "true"}, {"momentum", "0.9"}, {"dampening", "0.1"}}), "dampening = 0.1"));
    QVERIFY(has(msg("adam", {{"lr", "fast"}}), "lr must be a finite number, got 'fast'"));
    QVERIFY(has(msg("adam", {{"amsgrad", "maybe"}}), "amsgrad must be true or false"));
    QVERIFY(has(msg("adam", {{"momentum", "0.9"}}), "Adam has no hyper-parameter 'momentum'; accepted: lr, beta1"));
    QVERIFY(has(msg("adamax", {}), "Unknown optimizer 'adamax'; accepted: sgd, adagrad, rmsprop, adam, adamw"));
    // Valid edges pass.
    optim::createOptimizer(*context_, "adam", {{"beta1", "0"}, {"lr", "0"}});
    optim::createOptimizer(*context_, "sgd", {{"nesterov", "true"}, {"momentum", "0.5"}});
  }

  // The theory check: Adagrad's accumulator only grows, so its effective step only shrinks
  // (~1/sqrt(t) under gradients of steady size); RMSprop's running mean forgets, so its step levels off.
  void adagradStepDecaysRmspropStepDoesNot() {
    auto adagrad = optim::createOptimizer(*context_, "adagrad", {{"lr", "0.1"}});
    auto rmsprop = optim::createOptimizer(*context_, "rmsprop", {{"lr", "0.1"}, {"alpha", "0.9"}});
    Bench a(*context_, {200}, {true}, 1), r(*context_, {200}, {true}, 1);
    a.record(*adagrad);
    r.record(*rmsprop);
    a.setControl(false, 0.1f);
    r.setControl(false, 0.1f);
    auto mean = [](const std::vector<float>& v) {
      double s = 0;
      for (float x : v) s += x;
      return s / v.size();
    };
    std::vector<float> adagradPrevious;
    double adagrad100 = 0, adagrad200 = 0, rmsprop100 = 0, rmsprop200 = 0;
    for (uint32_t t = 1; t <= 200; ++t) {
      const auto g = test::randomFloats(200, 300 + t);
      a.setGrad(0, g);
      r.setGrad(0, g);
      a.step(t - 1);
      r.step(t - 1);
      const auto step = adagrad->readState(0, "effective_lr");
      QCOMPARE(step.size(), size_t(200));
      if (!adagradPrevious.empty())
        for (size_t i = 0; i < step.size(); ++i) QVERIFY(step[i] <= adagradPrevious[i]);
      adagradPrevious = step;
      if (t == 100) adagrad100 = mean(step), rmsprop100 = mean(rmsprop->readState(0, "effective_lr"));
      if (t == 200) adagrad200 = mean(step), rmsprop200 = mean(rmsprop->readState(0, "effective_lr"));
    }
    const double adagradRatio = adagrad200 / adagrad100, rmspropRatio = rmsprop200 / rmsprop100;
    qInfo("effective step t=200 / t=100: Adagrad %.3f (1/sqrt(2) = 0.707), RMSprop %.3f", adagradRatio, rmspropRatio);
    QVERIFY(adagradRatio > 0.65 && adagradRatio < 0.76);
    QVERIFY(rmspropRatio > 0.85 && rmspropRatio < 1.15);
  }

  void stateReadsBackSensibly() {
    Bench bench(*context_, {64}, {true}, 2);
    const auto g = test::randomFloats(64, 77);
    bench.setGrad(0, g);
    bench.setControl(false, 1e-3f);

    auto adam = optim::createOptimizer(*context_, "adam");
    QCOMPARE(adam->stateNames(), (std::vector<std::string>{"exp_avg", "exp_avg_sq", "effective_lr"}));
    QVERIFY(adam->readState(0, "exp_avg").empty());  // nothing before the first update
    bench.record(*adam);
    bench.step(0);
    const auto m = adam->readState(0, "exp_avg"), v = adam->readState(0, "exp_avg_sq");
    const auto step = adam->readState(0, "effective_lr");
    QCOMPARE(m.size(), size_t(64));
    for (size_t i = 0; i < 64; ++i) {
      QVERIFY(std::abs(m[i] - 0.1 * g[i]) <= 1e-6 * std::abs(g[i]) + 1e-12);       // (1 - beta1) g
      QVERIFY(std::abs(v[i] - 1e-3 * g[i] * g[i]) <= 1e-5 * g[i] * g[i] + 1e-15);  // (1 - beta2) g^2
      const double want = 1e-3 / (std::abs(g[i]) + 1e-8);                          // v^ = g^2 after one step
      QVERIFY(std::abs(step[i] - want) <= 1e-4 * want);
    }
    QVERIFY(adam->readState(0, "no_such_state").empty());
    QVERIFY(adam->readState(5, "exp_avg").empty());
    QCOMPARE(optim::createOptimizer(*context_, "adam", {{"amsgrad", "true"}})->stateNames().size(), size_t(4));

    auto sgd = optim::createOptimizer(*context_, "sgd", {{"momentum", "0.9"}});
    QCOMPARE(sgd->stateNames(), std::vector<std::string>{"momentum_buffer"});
    QVERIFY(optim::createOptimizer(*context_, "sgd")->stateNames().empty());
    bench.record(*sgd);
    bench.step(0);
    QCOMPARE(sgd->readState(0, "momentum_buffer"), g);  // b = g at the first step

    auto diffgrad = optim::createOptimizer(*context_, "diffgrad");
    bench.record(*diffgrad);
    bench.step(0);
    const auto xi = diffgrad->readState(0, "friction");
    for (size_t i = 0; i < 64; ++i) QVERIFY(std::abs(xi[i] - 1 / (1 + std::exp(-std::abs(g[i])))) < 1e-6);

    auto radam = optim::createOptimizer(*context_, "radam");
    bench.record(*radam);
    for (uint32_t t = 0; t < 10; ++t) {
      bench.step(t);
      const auto r = radam->readState(0, "rectification");
      QCOMPARE(r.size(), size_t(1));
      const double want = optim::reference::radamRectification(0.999, t + 1);
      QCOMPARE(r[0] > 0, t + 1 >= 6);  // rho_t > 5 from step 6 with beta2 = 0.999
      QVERIFY(std::abs(r[0] - want) <= 1e-6);
    }

    auto nadam = optim::createOptimizer(*context_, "nadam");
    bench.record(*nadam);
    bench.step(0);
    QVERIFY(std::abs(nadam->readState(0, "mu_product")[0] - optim::reference::nadamMu(0.9, 0.004, 1)) < 1e-7);

    auto adamnorm = optim::createOptimizer(*context_, "adamnorm");
    bench.record(*adamnorm);
    bench.step(0);
    double norm = 0;
    for (float x : g) norm += double(x) * x;
    norm = std::sqrt(norm);
    const auto norms = adamnorm->readState(0, "grad_norm");
    QCOMPARE(norms.size(), size_t(2));
    QVERIFY(std::abs(norms[0] - norm) < 1e-5 * norm);
    QVERIFY(std::abs(norms[1] - 0.05 * norm) < 1e-5 * norm);  // e = (1 - gamma) n from e0 = 0

    // Views outlive the control block and step counter of the update that produced them.
    auto rmsprop = optim::createOptimizer(*context_, "rmsprop");
    {
      Bench b(*context_, {8}, {true}, 9);
      const auto g8 = test::randomFloats(8, 10);
      b.setGrad(0, g8);
      b.setControl(false, 0.5f);
      b.record(*rmsprop);
      b.step(0);
      const auto eff = rmsprop->readState(0, "effective_lr");
      QCOMPARE(eff.size(), size_t(8));
      for (size_t i = 0; i < 8; ++i) {
        const double want = 0.5 / (std::sqrt(0.01 * g8[i] * g8[i]) + 1e-8);  // lr / (sqrt((1 - alpha) g^2) + eps)
        QVERIFY(std::abs(eff[i] - want) <= 1e-4 * want);
      }
    }
    QCOMPARE(rmsprop->readState(0, "effective_lr").size(), size_t(8));
    rmsprop->reset();
    QVERIFY(rmsprop->readState(0, "effective_lr").empty());  // no update since the reset
  }
};

QTEST_APPLESS_MAIN(TestOptimizers)
#include "test_optimizers.moc"
