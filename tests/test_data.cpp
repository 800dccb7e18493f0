// Datasets and initialisation: IDX files plain and gzip-compressed, every kind of broken file
// explained, toy sets, splits, normalisation tables; initial weights with the statistics their
// formulas promise, reproducible from the seed.
#include "data/device_dataset.h"
#include "data/idx_file.h"
#include "data/toy_datasets.h"
#include "nn/initializer.h"
#include "nn/network_text.h"
#include "support/child_process.h"

#include <QTemporaryDir>
#include <QTest>

#include <zlib.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

using namespace gradlab;

namespace {

std::vector<uint8_t> idx(uint8_t rank, std::vector<uint32_t> dims, const std::vector<uint8_t>& values) {
  std::vector<uint8_t> out{0, 0, 0x08, rank};
  for (uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(uint8_t(d >> shift));
  out.insert(out.end(), values.begin(), values.end());
  return out;
}

void writePlain(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

void writeGz(const std::string& path, const std::vector<uint8_t>& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, bytes.data(), unsigned(bytes.size()));
  gzclose(f);
}

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const data::DataError& e) {
    return e.what();
  }
  return "";
}

nn::NodeParams paramsOf(const std::string& layer) {
  const auto a = nn::analyze(nn::parseNetwork("input x: 400\nh = " + layer + "\nloss = CrossEntropyLoss(h)\n").graph);
  return a.nodes.at(0).params;
}

double stdOf(const std::vector<float>& v) {
  double mean = 0, var = 0;
  for (float x : v) mean += x / v.size();
  for (float x : v) var += (x - mean) * (x - mean) / v.size();
  return std::sqrt(var);
}

}  // namespace

class TestData : public QObject {
  Q_OBJECT

 private slots:
  void idxPlainAndGzip() {
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString();
    std::vector<uint8_t> pixels(3 * 2 * 4), labels{7, 0, 9};
    for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = uint8_t(i * 10);
    writeGz(d + "/train-images-idx3-ubyte.gz", idx(3, {3, 2, 4}, pixels));
    writePlain(d + "/train-labels-idx1-ubyte", idx(1, {3}, labels));
    const auto set = data::loadIdxDirectory(d, "train", "tiny");
    QCOMPARE(set.size(), 3u);
    QCOMPARE(set.sampleShape, (nn::Shape{1, 2, 4}));
    QVERIFY(set.bytes == pixels);
    QVERIFY((set.labels == std::vector<uint32_t>{7, 0, 9}));
    QCOMPARE(set.raw(1, 0), 80.0f / 255.0f);
  }

  void brokenFilesAreExplained() {
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString();
    const std::vector<uint8_t> pixels(2 * 2 * 2, 1);
    writePlain(d + "/ok-images", idx(3, {2, 2, 2}, pixels));
    writePlain(d + "/ok-labels", idx(1, {2}, {1, 2}));
    QVERIFY(errorOf([&] { data::loadIdx(d + "/ok-images", d + "/ok-labels", "ok"); }).empty());
    // Truncated.
    auto cut = idx(3, {2, 2, 2}, pixels);
    cut.resize(cut.size() - 3);
    writePlain(d + "/cut", cut);
    QVERIFY(errorOf([&] { data::loadIdx(d + "/cut", d + "/ok-labels", "x"); }).find("is truncated") !=
            std::string::npos);
    // Not IDX at all.
    writePlain(d + "/text", {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '!', '!', '!', '!', '!'});
    QVERIFY(errorOf([&] { data::loadIdx(d + "/text", d + "/ok-labels", "x"); }).find("is not an IDX file") !=
            std::string::npos);
    // Counts that disagree, labels out of range.
    writePlain(d + "/three-labels", idx(1, {3}, {1, 2, 3}));
    QVERIFY(errorOf([&] { data::loadIdx(d + "/ok-images", d + "/three-labels", "x"); }).find("has 2 images but") !=
            std::string::npos);
    writePlain(d + "/bad-labels", idx(1, {2}, {1, 12}));
    QVERIFY(errorOf([&] { data::loadIdx(d + "/ok-images", d + "/bad-labels", "x"); }).find("label 12") !=
            std::string::npos);
    // A damaged gzip stream.
    {
      std::vector<uint8_t> gz;
      writeGz(d + "/good.gz", idx(3, {2, 2, 2}, pixels));
      std::ifstream in(d + "/good.gz", std::ios::binary);
      gz.assign(std::istreambuf_iterator<char>(in), {});
      for (size_t i = 12; i < gz.size(); ++i) gz[i] ^= 0x5a;
      writePlain(d + "/bad.gz", gz);
    }
    const std::string damaged = errorOf([&] { data::loadIdx(d + "/bad.gz", d + "/ok-labels", "x"); });
    QVERIFY2(!damaged.empty(), "a damaged gzip file loaded");
    // Missing files and datasets.
    QVERIFY(errorOf([&] { data::loadIdx(d + "/none", d + "/ok-labels", "x"); }).find("does not exist") !=
            std::string::npos);
    QVERIFY(errorOf([&] {
              data::loadFashionMnist("train", d + "/nowhere");
            }).find("apt install dataset-fashion-mnist") != std::string::npos);
    QVERIFY(errorOf([&] { data::loadIdxDirectory(d, "train", "x"); }).find("No train images") != std::string::npos);
  }

  // Headers that lie about their size, and files that are not files, are refused at once, in one
  // line, without reading or allocating more than the file holds (a child process with a memory
  // and a time limit runs each load, so a hang or a runaway allocation fails instead of stalling).
  void hostileIdxFilesAreRefusedQuickly() {
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString();
    const auto refusal = [&](const std::string& images, const std::string& labels) {
      return test::runInChild([&] { return errorOf([&] { data::loadIdx(images, labels, "x"); }); }, 10);
    };
    const auto expectRefused = [&](const test::ChildOutcome& o, const char* words, const char* what) {
      QVERIFY2(
          o.exited && !o.timedOut && o.signal == 0,
          (std::string(what) + ": no refusal (signal " + std::to_string(o.signal) + ", " + o.message + ")").c_str());
      QVERIFY2(test::isOneShortLine(o.message), (std::string(what) + ": " + o.message).c_str());
      QVERIFY2(o.message.find(words) != std::string::npos, (std::string(what) + ": " + o.message).c_str());
      QVERIFY2(o.seconds < 5, what);
    };
    // 2^22 x 2^21 x 2^21 values: the product is 2^64, zero in 64 bits.
    writePlain(d + "/overflow", idx(3, {4194304, 2097152, 2097152}, std::vector<uint8_t>(16, 1)));
    writePlain(d + "/many-labels", idx(1, {4194304}, std::vector<uint8_t>(4194304, 1)));
    expectRefused(refusal(d + "/overflow", d + "/many-labels"), "its header promises 4194304 x 2097152 x 2097152",
                  "overflowing header");
    // A small gzip file whose header promises far more than it can expand to.
    writeGz(d + "/huge.gz", idx(3, {60000, 28, 28}, std::vector<uint8_t>(16, 1)));
    expectRefused(refusal(d + "/huge.gz", d + "/many-labels"), "more than a", "gzip header promising gigabytes");
    // Zero-pixel images would give samples of no values.
    writePlain(d + "/flat", idx(3, {2, 0, 5}, {}));
    writePlain(d + "/two-labels", idx(1, {2}, {1, 2}));
    expectRefused(refusal(d + "/flat", d + "/two-labels"), "images of 0 x 5 pixels", "zero-pixel images");
    // A named pipe would block until a writer comes; /dev/zero never ends.
    QCOMPARE(::mkfifo((d + "/pipe").c_str(), 0600), 0);
    expectRefused(refusal(d + "/pipe", d + "/two-labels"), "is not a regular file", "named pipe");
    std::filesystem::create_symlink("/dev/zero", d + "/zero");
    writePlain(d + "/two-images", idx(3, {2, 2, 2}, std::vector<uint8_t>(8, 1)));
    expectRefused(refusal(d + "/two-images", d + "/zero"), "is not a regular file", "symlink to /dev/zero");
    // A gzip file that goes on past what its header promises (1 GiB of zeros in 64 concatenated
    // gzip members): reading stops after the promised bytes.
    writeGz(d + "/bomb.gz", idx(3, {1, 1, 1}, {7}));
    {
      writeGz(d + "/zeros.gz", std::vector<uint8_t>(16 << 20, 0));
      std::ifstream in(d + "/zeros.gz", std::ios::binary);
      const std::string member{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      std::ofstream out(d + "/bomb.gz", std::ios::binary | std::ios::app);
      for (int i = 0; i < 64; ++i) out << member;
    }
    writePlain(d + "/one-label", idx(1, {1}, {3}));
    const auto bomb = refusal(d + "/bomb.gz", d + "/one-label");
    QVERIFY2(bomb.exited && bomb.message.empty() && bomb.seconds < 5, ("gzip bomb: " + bomb.message).c_str());
    // A name with a newline is quoted on one line.
    writePlain(d + "/bad\nname", {'x'});
    expectRefused(refusal(d + "/bad\nname", d + "/two-labels"), "bad\\nname", "newline in the name");
  }

  void toySetsSplitsAndNormalisation() {
    for (const auto& name : data::toyDatasetNames()) {
      data::ToyOptions o{300, 0.05, 3, 4};
      const auto set = data::makeToyDataset(name, o);
      QCOMPARE(set.size(), 300u);
      QCOMPARE(set.sampleShape, nn::Shape{2});
      std::vector<int> perClass(set.classes, 0);
      for (uint32_t l : set.labels) ++perClass.at(l);
      for (int c : perClass) QVERIFY2(c > 300 / int(set.classes) / 3, name.c_str());  // no class missing
      QVERIFY(data::makeToyDataset(name, o).floats == set.floats);                    // reproducible
      o.seed = 5;
      QVERIFY(data::makeToyDataset(name, o).floats != set.floats);
    }
    QVERIFY(errorOf([] { data::makeToyDataset("swirl", {}); }).find("known: spiral") != std::string::npos);
    const auto all = data::makeToyDataset("blobs", {100, 0.1, 4, 1});
    const auto [train, validation] = all.split(0.2, 1);
    QCOMPARE(train.size() + validation.size(), 100u);
    QCOMPARE(validation.size(), 20u);
    // Standardize: the table maps the training data to mean 0, std 1 per channel (feature here).
    const auto t = data::NormalizationTable::compute(train, data::Normalization::Standardize);
    for (uint32_t j = 0; j < 2; ++j) {
      double mean = 0, var = 0;
      for (uint32_t s = 0; s < train.size(); ++s) mean += (train.raw(s, j) * t.scale[j] + t.offset[j]) / train.size();
      for (uint32_t s = 0; s < train.size(); ++s)
        var += std::pow(train.raw(s, j) * t.scale[j] + t.offset[j] - mean, 2) / train.size();
      QVERIFY(std::abs(mean) < 1e-5 && std::abs(var - 1) < 1e-4);
    }
    const auto sym = data::NormalizationTable::compute(train, data::Normalization::Symmetric);
    float lo = 1e9, hi = -1e9;
    for (uint32_t s = 0; s < train.size(); ++s)
      for (uint32_t j = 0; j < 2; ++j) {
        const float v = train.raw(s, j) * sym.scale[j] + sym.offset[j];
        lo = std::min(lo, v), hi = std::max(hi, v);
      }
    QVERIFY(std::abs(lo + 1) < 1e-5 && std::abs(hi - 1) < 1e-5);
  }

  void initialisationFollowsItsFormulas() {
    // Linear 400 -> 300: fan_in 400, fan_out 300.
    const nn::ParamTensor w{"weight", nn::Shape{300, 400}, nn::ParamRole::Weight, 400, 300};
    const nn::ParamTensor b{"bias", nn::Shape{300}, nn::ParamRole::Bias, 400, 300};
    auto values = [&](const std::string& layer, const nn::ParamTensor& t, uint32_t seed = 1) {
      return nn::initialValues(paramsOf(layer), t, "h", seed);
    };
    auto near = [](double got, double want) { return std::abs(got - want) <= 0.03 * want; };
    QVERIFY(near(stdOf(values("Linear(x, out_features=300, init=normal, init_std=0.05)", w)), 0.05));
    QVERIFY(near(stdOf(values("Linear(x, out_features=300, init=xavier_normal)", w)), std::sqrt(2.0 / 700)));
    QVERIFY(near(stdOf(values("Linear(x, out_features=300, init=kaiming_normal)", w)), std::sqrt(2.0 / 400)));
    QVERIFY(near(stdOf(values("Linear(x, out_features=300, init=kaiming_normal, init_mode=fan_out)", w)),
                 std::sqrt(2.0 / 300)));
    QVERIFY(near(stdOf(values("Linear(x, out_features=300, init=kaiming_normal, init_nonlinearity=tanh)", w)),
                 5.0 / 3 / 20));
    QVERIFY(
        near(stdOf(values("Linear(x, out_features=300, init=scaled_variance, init_c=3)", w)), std::sqrt(3.0 / 400)));
    auto bound = [](const std::vector<float>& v) {
      float m = 0;
      for (float x : v) m = std::max(m, std::abs(x));
      return double(m);
    };
    const auto xu = values("Linear(x, out_features=300, init=xavier_uniform)", w);
    QVERIFY(bound(xu) <= std::sqrt(6.0 / 700) && bound(xu) > 0.98 * std::sqrt(6.0 / 700));
    const auto pyDefault = values("Linear(x, out_features=300)", w);
    QVERIFY(bound(pyDefault) <= 1 / 20.0 && bound(pyDefault) > 0.98 / 20.0);  // 1/sqrt(400)
    QVERIFY(near(stdOf(pyDefault), 1 / 20.0 / std::sqrt(3.0)));
    // Biases: zero unless asked, PyTorch's default on request.
    for (float v : values("Linear(x, out_features=300)", b)) QCOMPARE(v, 0.0f);
    const auto pyBias = values("Linear(x, out_features=300, bias_init=default)", b);
    QVERIFY(bound(pyBias) <= 1 / 20.0 && stdOf(pyBias) > 0.01);
    for (float v : values("Linear(x, out_features=300, init=constant, init_value=0.5)", w)) QCOMPARE(v, 0.5f);
    for (float v : values("Linear(x, out_features=300, init=zeros)", w)) QCOMPARE(v, 0.0f);
    // Reproducible from the seed, different across seeds and across tensors.
    QVERIFY(values("Linear(x, out_features=300)", w, 7) == values("Linear(x, out_features=300)", w, 7));
    QVERIFY(values("Linear(x, out_features=300)", w, 7) != values("Linear(x, out_features=300)", w, 8));
    QVERIFY(nn::initialValues(paramsOf("Linear(x, out_features=300)"), w, "other", 7) !=
            values("Linear(x, out_features=300)", w, 7));
  }
};

QTEST_APPLESS_MAIN(TestData)
#include "test_data.moc"
