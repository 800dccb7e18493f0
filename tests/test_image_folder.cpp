// Image folders (one sub-folder per class, torchvision's ImageFolder order): PNGs written here
// train exactly like the same images as IDX files; colour comes channels first; the area-average
// resampling; every refusal is one line naming the folder or file, forged sizes refused before
// any pixels are allocated.
#include "data/dataset_choice.h"
#include "data/image_folder.h"
#include "support/gpu_test.h"
#include "train/training_session.h"

#include <QTemporaryDir>
#include <QTest>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

using namespace gradlab;
namespace fs = std::filesystem;

namespace {

void writePng(const fs::path& path, uint32_t width, uint32_t height, uint32_t channels,
              const std::vector<uint8_t>& interleaved) {
  fs::create_directories(path.parent_path());
  QVERIFY(
      stbi_write_png(path.c_str(), int(width), int(height), int(channels), interleaved.data(), int(width * channels)));
}

void writeFile(const fs::path& path, const std::vector<uint8_t>& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

std::vector<uint8_t> readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::vector<uint8_t> idx(uint8_t rank, std::vector<uint32_t> dims, const std::vector<uint8_t>& values) {
  std::vector<uint8_t> out{0, 0, 0x08, rank};
  for (uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(uint8_t(d >> shift));
  out.insert(out.end(), values.begin(), values.end());
  return out;
}

// An 8x8 gray image of class `label`: a bright bar in a class-dependent row band, plus noise.
std::vector<uint8_t> classImage(uint32_t label, std::mt19937& rng) {
  std::uniform_int_distribution<int> noise(0, 90), row(0, 1);
  std::vector<uint8_t> image(64);
  const int bar = int(label) * 3 + row(rng);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x) image[y * 8 + x] = uint8_t(noise(rng) + (y == bar ? 160 : 0));
  return image;
}

// A PNG whose header says width x height (its pixels do not matter: only the header is read).
std::vector<uint8_t> pngClaiming(const fs::path& scratch, uint32_t width, uint32_t height) {
  writePng(scratch, 1, 1, 3, {1, 2, 3});
  std::vector<uint8_t> png = readFile(scratch);
  fs::remove(scratch);
  for (int i = 0; i < 4; ++i) {  // IHDR's width and height follow the 8-byte signature and 8 bytes of chunk head
    png[16 + i] = uint8_t(width >> (24 - 8 * i));
    png[20 + i] = uint8_t(height >> (24 - 8 * i));
  }
  return png;
}

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

data::DatasetChoice choose(const std::string& name, double validation = 0.2) {
  data::DatasetSpec spec;
  spec.name = name;
  spec.validation = validation;
  spec.seed = 5;
  return data::chooseDataset(spec);
}

const char* kNet = R"(input x: 1x8x8
flat = Flatten(x)
h = Linear(flat, out_features=32)
a = ReLU(h)
logits = Linear(a, out_features=3)
loss = CrossEntropyLoss(logits)
)";

}  // namespace

class TestImageFolder : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

  double trainedAccuracy(const data::DatasetChoice& data) {
    train::TrainingOptions options;
    options.batch = 16;
    options.learningRate = 0.2;
    options.seed = 9;
    train::TrainingSession session(*context_, test::graphOf(kNet), data.train, &data.evaluation, options);
    session.train(session.stepsPerEpoch() * 15);
    return session.evaluateValidation().accuracy;
  }

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  void folderOfPngsTrainsLikeTheSameIdxFiles() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    std::mt19937 rng(1);
    std::vector<uint8_t> pixels, labels;
    const std::vector<std::string> classes{"bird", "cat", "dog"};  // the folder order: sorted by name
    for (uint32_t c = 0; c < 3; ++c)
      for (int i = 0; i < 100; ++i) {
        const auto image = classImage(c, rng);
        char name[32];
        std::snprintf(name, sizeof name, "img_%03d.png", i);
        writePng(root / "images" / classes[c] / name, 8, 8, 1, image);
        pixels.insert(pixels.end(), image.begin(), image.end());
        labels.push_back(uint8_t(c));
      }
    writeFile(root / "images" / "cat" / "notes.txt", {'h', 'i'});  // not an image: ignored, as ImageFolder does
    writeFile(root / "idx" / "train-images-idx3-ubyte", idx(3, {300, 8, 8}, pixels));
    writeFile(root / "idx" / "train-labels-idx1-ubyte", idx(1, {300}, labels));

    const auto images = choose("images:" + (root / "images").string());
    auto idxFiles = choose("idx:" + (root / "idx").string());
    // IDX files do not say how many classes there are (MNIST's 10 are assumed): the network has 3.
    for (data::Dataset* d : {&idxFiles.train, &idxFiles.evaluation}) d->classes = 3;
    QCOMPARE(images.train.sampleShape, (nn::Shape{1, 8, 8}));
    QCOMPARE(images.train.classNames, classes);
    QCOMPARE(images.train.size(), 240u);
    QCOMPARE(images.evaluation.size(), 60u);
    QCOMPARE(images.evaluationName, std::string("validation"));
    QVERIFY(images.train.bytes == idxFiles.train.bytes);
    QVERIFY(images.train.labels == idxFiles.train.labels);
    QVERIFY(images.evaluation.bytes == idxFiles.evaluation.bytes);

    const double fromImages = trainedAccuracy(images), fromIdx = trainedAccuracy(idxFiles);
    QCOMPARE(fromImages, fromIdx);
    QVERIFY2(fromImages > 0.9, qPrintable(QString("validation accuracy %1").arg(fromImages)));
  }

  void colourIsChannelsFirstAndGrayIsRepeated() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    // 2x1 pixels: (10, 20, 30) and (40, 50, 60), interleaved as the file stores them.
    writePng(root / "a" / "colour.png", 2, 1, 3, {10, 20, 30, 40, 50, 60});
    writePng(root / "b" / "gray.png", 2, 1, 1, {7, 9});
    const auto folder = data::loadImageFolder(root.string());
    QCOMPARE(folder.data.sampleShape, (nn::Shape{3, 1, 2}));
    QCOMPARE(folder.data.bytes, (std::vector<uint8_t>{10, 40, 20, 50, 30, 60, 7, 9, 7, 9, 7, 9}));
    QCOMPARE(folder.data.labels, (std::vector<uint32_t>{0, 1}));
  }

  void bmpAndJpegAreReadToo() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    std::vector<uint8_t> gray(16 * 16);
    for (size_t i = 0; i < gray.size(); ++i) gray[i] = uint8_t(i % 16 * 16);
    fs::create_directories(root / "a");
    fs::create_directories(root / "b");
    QVERIFY(stbi_write_bmp((root / "a" / "x.BMP").c_str(), 16, 16, 1, gray.data()));
    QVERIFY(stbi_write_jpg((root / "b" / "y.jpeg").c_str(), 16, 16, 1, gray.data(), 100));
    // stb writes BMPs as 24-bit colour: the set is colour, and the gray JPEG is repeated in each channel.
    const auto folder = data::loadImageFolder(root.string());
    QCOMPARE(folder.data.sampleShape, (nn::Shape{3, 16, 16}));
    QCOMPARE(folder.data.labels, (std::vector<uint32_t>{0, 1}));
    for (int c = 0; c < 3; ++c)  // BMP: exact
      QVERIFY(std::equal(gray.begin(), gray.end(), folder.data.bytes.begin() + 256 * c));
    int worst = 0;  // JPEG at quality 100: within a few levels
    for (size_t i = 0; i < 3 * gray.size(); ++i)
      worst = std::max(worst, std::abs(folder.data.bytes[768 + i] - gray[i % 256]));
    QVERIFY2(worst <= 8, qPrintable(QString::number(worst)));
  }

  void areaAverageResampling() {
    // 4x4 to 2x2: each output pixel is the mean of a 2x2 block.
    const std::vector<uint8_t> square{0, 2, 10, 20, 4, 6, 30, 40, 100, 100, 0, 0, 100, 101, 0, 1};
    QCOMPARE(data::resampleArea(square.data(), 4, 4, 1, 2, 2), (std::vector<uint8_t>{3, 25, 100, 0}));
    // 3 to 2: the middle source pixel is shared half and half. (0 + 90/2) / 1.5 = 30 and (90/2 + 180) / 1.5 = 150.
    const std::vector<uint8_t> row{0, 90, 180};
    QCOMPARE(data::resampleArea(row.data(), 3, 1, 1, 2, 1), (std::vector<uint8_t>{30, 150}));
    // Upsampling repeats a pixel where it covers a whole output pixel; channels stay apart.
    const std::vector<uint8_t> rgb{10, 20, 30, 50, 60, 70};
    QCOMPARE(data::resampleArea(rgb.data(), 2, 1, 3, 4, 1),
             (std::vector<uint8_t>{10, 20, 30, 10, 20, 30, 50, 60, 70, 50, 60, 70}));

    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    writePng(root / "a" / "big.png", 4, 4, 1, square);
    writePng(root / "b" / "small.png", 2, 2, 1, {1, 2, 3, 4});
    QVERIFY(errorOf([&] { data::loadImageFolder(root.string()); }).find("differ in size") != std::string::npos);
    QCOMPARE(data::loadImageFolder(root.string(), {2, 2, false}).data.bytes,
             (std::vector<uint8_t>{3, 25, 100, 0, 1, 2, 3, 4}));
    const auto chosen = choose("images,size=2x2:" + root.string(), 0.5);
    QCOMPARE(chosen.train.sampleShape, (nn::Shape{1, 2, 2}));
    QCOMPARE(chosen.train.size() + chosen.evaluation.size(), 2u);
  }

  void badFoldersAreExplainedInOneLine() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    auto refusal = [](const std::string& name) {
      const std::string e = errorOf([&] { choose(name); });
      if (e.find('\n') != std::string::npos) return std::string("more than one line: ") + e;
      return e;
    };
    auto expect = [&](const std::string& name, const std::string& part) {
      const std::string e = refusal(name);
      QVERIFY2(e.find(part) != std::string::npos, qPrintable(QString::fromStdString(name + " -> " + e)));
    };
    expect("images:" + (root / "missing").string(), "does not exist or is not a folder");
    fs::create_directories(root / "flat");
    writePng(root / "flat" / "lonely.png", 2, 2, 1, {1, 2, 3, 4});
    expect("images:" + (root / "flat").string(), "holds no class folders");
    writePng(root / "empty" / "a" / "x.png", 2, 2, 1, {1, 2, 3, 4});
    fs::create_directories(root / "empty" / "b");
    expect("images:" + (root / "empty").string(), "'" + (root / "empty" / "b").string() + "' holds no PNG");

    writePng(root / "broken" / "a" / "good.png", 2, 2, 1, {1, 2, 3, 4});
    writePng(root / "broken" / "b" / "good.png", 2, 2, 1, {5, 6, 7, 8});
    writeFile(root / "broken" / "b" / "bad.png", {'n', 'o', 't', '\x1b', 'p', 'n', 'g'});
    expect("images:" + (root / "broken").string(), "bad.png' is not a readable PNG, JPEG or BMP image");
    const auto skipped = choose("images,skip-unreadable:" + (root / "broken").string(), 0.5);
    QCOMPARE(skipped.train.size() + skipped.evaluation.size(), 2u);
    QCOMPARE(skipped.notes.size(), size_t(1));
    QVERIFY(skipped.notes[0].find("bad.png") != std::string::npos);

    expect("images,size=0x4:" + (root / "broken").string(), "size width: 0 is out of range");
    expect("images,size=32:" + (root / "broken").string(), "size is WIDTHxHEIGHT");
    expect("images,colour=1:" + (root / "broken").string(), "colour");
    expect("images,size=2x2", "images:DIRECTORY");
  }

  void forgedSizesAreRefusedBeforeAllocation() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    writeFile(root / "huge" / "a" / "x.png", pngClaiming(root / "scratch.png", 9000, 9000));
    writeFile(root / "absurd" / "a" / "x.png", pngClaiming(root / "scratch.png", 100000, 100000));
    const auto start = std::chrono::steady_clock::now();
    std::string e = errorOf([&] { data::loadImageFolder((root / "huge").string()); });
    QVERIFY2(e.find("9000 x 9000 pixels, more than 8192 a side") != std::string::npos, e.c_str());
    e = errorOf([&] { data::loadImageFolder((root / "absurd").string()); });
    QVERIFY2(e.find("x.png' is not a readable PNG, JPEG or BMP image") != std::string::npos, e.c_str());
    // Twelve 8192x8192 colour images: 2.4 GiB of pixels, refused from their headers alone.
    for (int i = 0; i < 12; ++i)
      writeFile(root / "many" / "a" / ("x" + std::to_string(i) + ".png"), pngClaiming(root / "s.png", 8192, 8192));
    e = errorOf([&] { data::loadImageFolder((root / "many").string()); });
    QVERIFY2(e.find("more than the 2048 MiB a dataset may take") != std::string::npos, e.c_str());
    QVERIFY(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  }
};

QTEST_APPLESS_MAIN(TestImageFolder)
#include "test_image_folder.moc"
