// MaxPool2d, AvgPool2d and GlobalAvgPool2d (PyTorch semantics, floor mode). One class: the three
// differ only in the window (GlobalAvgPool2d is one height x width window) and the kernel.
// MaxPool2d keeps the argmax of every window in its workspace (one uint32 per output value) for
// the backward pass; padding never wins and the first maximum in scan order does.
#include "nn/layers/common.h"
#include "spirv/shaders.h"

#include <algorithm>
#include <cmath>

namespace gradlab::nn::layers {
namespace {

using gpu::Access;
const gpu::KernelSpec kMaxPool{
    "max_pool2d", spirv::max_pool2d, {Access::ReadFloatTexels, Access::ReadWrite, Access::ReadWrite}};
const gpu::KernelSpec kAvgPool{"avg_pool2d", spirv::avg_pool2d, {Access::ReadFloatTexels, Access::ReadWrite}};

class Pool2d final : public Layer {
 public:
  enum Mode { Max, Avg, GlobalAvg };

  Pool2d(const NodeInfo& info, Mode mode) : Layer(info), mode_(mode) {
    const Shape& in = info.inputShapes[0];
    c_ = in.channels();
    h_ = in.height();
    w_ = in.width();
    if (mode == GlobalAvg) {
      kh_ = h_;
      kw_ = w_;
      outH_ = outW_ = 1;
    } else {
      kh_ = kw_ = uint32_t(info.params.integer("kernel_size"));
      stride_ = uint32_t(info.params.integer("stride"));
      if (!stride_) stride_ = kh_;
      pad_ = uint32_t(info.params.integer("padding"));
      outH_ = info.shape.output.height();
      outW_ = info.shape.output.width();
      includePad_ = mode == Avg && info.params.flag("count_include_pad");
    }
  }

  uint64_t workspaceFloats(uint32_t batch) const override {
    return mode_ == Max ? uint64_t(batch) * c_ * outH_ * outW_ : 0;
  }

  void forward(const ForwardPass& p) const override {
    const Push push = makePush(p.batch);
    const uint32_t n = p.batch * c_ * outH_ * outW_;
    if (mode_ == Max)
      p.rec.dispatch(p.rec.context().kernel(kMaxPool, {256, 1, 1}, {0u, 0u}), {p.inputs[0], p.workspace, p.output},
                     push, groups(n));
    else
      p.rec.dispatch(p.rec.context().kernel(kAvgPool, {256, 1, 1}, {0u, 0u, includePad_ ? 1u : 0u}),
                     {p.inputs[0], p.output}, push, groups((n + 3) / 4));  // four outputs per step
  }

  void backward(const BackwardPass& p) const override {
    if (!wantsGrad(p, 0)) return;
    const Push push = makePush(p.batch);
    const uint32_t n = p.batch * c_ * h_ * w_, acc = accumulates(p, 0) ? 1u : 0u;
    if (mode_ == Max)
      p.rec.dispatch(p.rec.context().kernel(kMaxPool, {256, 1, 1}, {1u, acc}),
                     {p.gradOutput, p.workspace, p.gradInputs[0]}, push, groups(n));
    else
      p.rec.dispatch(p.rec.context().kernel(kAvgPool, {256, 1, 1},
                                            {1u, acc, includePad_ ? 1u : 0u, tiles(), w_ % 4 == 0 ? 1u : 0u}),
                     {p.gradOutput, p.gradInputs[0]}, push, groups((n + 3) / 4));
  }

  void forwardReference(const RefForward& p) const override {
    const RefTensor& x = *p.inputs[0];
    RefTensor& y = *p.output;
    forEachWindow(p.batch, [&](size_t plane, size_t o, const Window& win) {
      if (mode_ == Max) {
        const long long arg = argmax(x, plane, win);
        y[o] = arg < 0 ? 0.0 : x[plane * h_ * w_ + size_t(arg)];
      } else {
        double sum = 0;
        for (long long h = win.h0; h < win.h1; ++h)
          for (long long w = win.w0; w < win.w1; ++w) sum += x[plane * h_ * w_ + size_t(h) * w_ + size_t(w)];
        y[o] = sum / win.divisor;
      }
    });
  }

  void backwardReference(const RefBackward& p) const override {
    const RefTensor &x = *p.inputs[0], &dy = *p.gradOutput;
    RefTensor& dx = *p.gradInputs[0];
    std::fill(dx.begin(), dx.end(), 0.0);
    forEachWindow(p.batch, [&](size_t plane, size_t o, const Window& win) {
      if (mode_ == Max) {
        const long long arg = argmax(x, plane, win);
        if (arg >= 0) dx[plane * h_ * w_ + size_t(arg)] += dy[o];
      } else {
        for (long long h = win.h0; h < win.h1; ++h)
          for (long long w = win.w0; w < win.w1; ++w)
            dx[plane * h_ * w_ + size_t(h) * w_ + size_t(w)] += dy[o] / win.divisor;
      }
    });
  }

 private:
  struct Push {
    uint32_t planes, height, width, outH, outW, kh, kw, stride, pad;
  };
  Push makePush(uint32_t batch) const { return {batch * c_, h_, w_, outH_, outW_, kh_, kw_, stride_, pad_}; }
  // 1 when the windows tile the image (stride = kernel, no padding): avg_pool2d.comp's TILING.
  uint32_t tiles() const { return stride_ == kh_ && stride_ == kw_ && pad_ == 0 ? 1u : 0u; }
  static gpu::WorkGroup groups(uint32_t n) { return {std::clamp<uint32_t>((n + 255) / 256, 1, 4096), 1, 1}; }

  // A window clipped to the image, [h0, h1) x [w0, w1), and its average's divisor.
  struct Window {
    long long h0, h1, w0, w1;
    double divisor;
  };
  template <class F>
  void forEachWindow(uint32_t batch, F&& f) const {
    for (size_t plane = 0; plane < size_t(batch) * c_; ++plane)
      for (uint32_t oh = 0; oh < outH_; ++oh)
        for (uint32_t ow = 0; ow < outW_; ++ow) {
          // As PyTorch: the window clipped to the padded image gives count_include_pad's divisor.
          long long h0 = (long long)oh * stride_ - pad_, w0 = (long long)ow * stride_ - pad_;
          long long h1 = std::min<long long>(h0 + kh_, h_ + pad_), w1 = std::min<long long>(w0 + kw_, w_ + pad_);
          const double padded = double((h1 - h0) * (w1 - w0));
          h0 = std::max(h0, 0LL);
          w0 = std::max(w0, 0LL);
          h1 = std::min<long long>(h1, h_);
          w1 = std::min<long long>(w1, w_);
          const double inside = double(std::max(h1 - h0, 0LL) * std::max(w1 - w0, 0LL));
          f(plane, (plane * outH_ + oh) * outW_ + ow,
            Window{h0, h1, w0, w1, std::max(includePad_ ? padded : inside, 1.0)});
        }
  }
  // Index h * width + w of the window's first maximum, -1 for a window without image values.
  long long argmax(const RefTensor& x, size_t plane, const Window& win) const {
    long long arg = -1;
    double best = 0;
    for (long long h = win.h0; h < win.h1; ++h)
      for (long long w = win.w0; w < win.w1; ++w) {
        const double v = x[plane * h_ * w_ + size_t(h) * w_ + size_t(w)];
        if (arg < 0 || v > best || std::isnan(v)) {
          best = v;
          arg = h * w_ + w;
        }
      }
    return arg;
  }

  Mode mode_;
  uint32_t c_ = 0, h_ = 0, w_ = 0, kh_ = 1, kw_ = 1, stride_ = 1, pad_ = 0, outH_ = 1, outW_ = 1;
  bool includePad_ = true;
};

}  // namespace

std::unique_ptr<Layer> createPool2d(const NodeInfo& info, const LayerOptions&) {
  const std::string& type = info.def->type;
  return std::make_unique<Pool2d>(info, type == "MaxPool2d"   ? Pool2d::Max
                                        : type == "AvgPool2d" ? Pool2d::Avg
                                                              : Pool2d::GlobalAvg);
}

void registerPool2d(std::vector<LayerDef>& catalog) {
  using namespace schema;
  const auto pool = [](std::string type, std::string summary, bool average) {
    LayerDef def;
    def.type = type;
    def.category = "Pooling";
    def.summary = std::move(summary);
    def.params = {intParam("kernel_size", "", 1, 64, "window height and width"),
                  intParam("stride", "0", 0, 64, "step between windows (0: the kernel size)"),
                  intParam("padding", "0", 0, 32, "padding on each side (at most half the kernel)")};
    if (average)
      def.params.push_back(boolParam("count_include_pad", "true", "whether padded zeros count in the average"));
    def.infer = [type](const NodeParams& p, const std::vector<Shape>& in) {
      const Shape& x = only(in);
      requireImage(type, x);
      const long long k = p.integer("kernel_size"), pad = p.integer("padding");
      const long long s = p.integer("stride") ? p.integer("stride") : k;
      if (2 * pad > k) throw ShapeError(type + ": padding must be at most half the kernel size");
      return LayerShape{Shape{x.channels(), convOut(type, x.height(), k, s, pad, 1, "height"),
                              convOut(type, x.width(), k, s, pad, 1, "width")},
                        {},
                        {}};
    };
    def.create = createPool2d;
    const auto stride = [](const NodeParams& p) {  // 0: the kernel size
      return p.integer("stride") ? p.integer("stride") : p.integer("kernel_size");
    };
    def.exports.torch = [type, average, stride](const Node&, const NodeInfo& info) {
      const NodeParams& p = info.params;
      std::string text = "nn." + type + "(kernel_size=" + std::to_string(p.integer("kernel_size")) +
                         ", stride=" + std::to_string(stride(p)) + ", padding=" + std::to_string(p.integer("padding"));
      if (average) text += ", count_include_pad=" + pyBool(p.flag("count_include_pad"));
      return TorchModule{text + ")", {}};
    };
    def.exports.onnx = [average, stride](const Node& node, const NodeInfo& info) {
      const NodeParams& p = info.params;
      OnnxNode n = onnxNode(node, average ? "AveragePool" : "MaxPool",
                            {onnxInts("kernel_shape", std::vector<int64_t>(2, p.integer("kernel_size"))),
                             onnxInts("strides", std::vector<int64_t>(2, stride(p))),
                             onnxInts("pads", std::vector<int64_t>(4, p.integer("padding")))});
      if (average) n.attributes.push_back(onnxInt("count_include_pad", p.flag("count_include_pad")));
      return std::vector<OnnxNode>{n};
    };
    def.spatial.kind = SpatialRule::Kind::Window;
    def.spatial.window = [stride](const NodeParams& p) {
      return KernelWindow{double(p.integer("kernel_size")), double(stride(p)), double(p.integer("padding")), 1, false};
    };
    return def;
  };
  catalog.push_back(pool("MaxPool2d", "maximum over each window", false));
  catalog.push_back(pool("AvgPool2d", "average over each window", true));
  LayerDef global;
  global.type = "GlobalAvgPool2d";
  global.category = "Pooling";
  global.summary = "average of each channel over the whole image (gives a flat vector)";
  global.infer = [](const NodeParams&, const std::vector<Shape>& in) {
    requireImage("GlobalAvgPool2d", only(in));
    return LayerShape{Shape{only(in).channels()}, {}, {}};
  };
  global.create = createPool2d;
  global.exports.torch = torchModule("nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())");
  // ONNX's operator keeps the 1x1 image that GradLab flattens.
  global.exports.onnx = [](const Node& node, const NodeInfo&) {
    OnnxNode pool = onnxNode(node, "GlobalAveragePool"), flatten = onnxNode(node, "Flatten", {onnxInt("axis", 1)});
    pool.output = node.name + "/image";
    flatten.name = node.name + "/flatten";
    flatten.inputs = {{OnnxInput::Kind::Value, pool.output, {}, {}}};
    return std::vector<OnnxNode>{pool, flatten};
  };
  global.spatial.note = "averages the whole image";
  catalog.push_back(std::move(global));
}

}  // namespace gradlab::nn::layers
