// Datasets from the user's files: CIFAR-10/100 binary batches written here read back exactly (and
// damaged ones refused before reading), CSV point sets with every bad line named.
#include "data/cifar_file.h"
#include "data/dataset_choice.h"
#include "data/point_file.h"

#include <QTemporaryDir>
#include <QTest>

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

using namespace gradlab;
namespace fs = std::filesystem;

namespace {

void writeFile(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

// `count` CIFAR records starting at sample `first`: label byte(s), then 3072 image bytes that
// encode the sample's index, so that any reordering or offset shows.
struct Records {
  std::string file;
  std::vector<uint8_t> images;
  std::vector<uint32_t> labels;
};
Records cifarRecords(uint32_t first, uint32_t count, uint32_t classes, bool coarse) {
  Records r;
  for (uint32_t s = first; s < first + count; ++s) {
    const uint32_t label = (s * 7) % classes;
    if (coarse) r.file.push_back(char(label / 5));
    r.file.push_back(char(label));
    r.labels.push_back(label);
    for (uint32_t i = 0; i < 3072; ++i) {
      const uint8_t v = uint8_t(s * 31 + i * 13 + i / 1024);
      r.file.push_back(char(v));
      r.images.push_back(v);
    }
  }
  return r;
}

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace

class TestDatasetsFiles : public QObject {
  Q_OBJECT

 private slots:
  void cifar10IsReadBackExactly() {
    QTemporaryDir dir;
    const fs::path root = fs::path(dir.path().toStdString()) / "cifar-10-batches-bin";  // as the archive unpacks
    std::vector<uint8_t> images;
    std::vector<uint32_t> labels;
    for (uint32_t b = 0; b < 5; ++b) {
      const Records r = cifarRecords(b * 3, 3, 10, false);
      writeFile(root / ("data_batch_" + std::to_string(b + 1) + ".bin"), r.file);
      images.insert(images.end(), r.images.begin(), r.images.end());
      labels.insert(labels.end(), r.labels.begin(), r.labels.end());
    }
    const Records test = cifarRecords(100, 4, 10, false);
    writeFile(root / "test_batch.bin", test.file);
    writeFile(root / "batches.meta.txt", "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n");

    data::DatasetSpec spec;
    spec.name = "cifar:" + dir.path().toStdString();
    const auto chosen = data::chooseDataset(spec);
    QCOMPARE(chosen.train.sampleShape, (nn::Shape{3, 32, 32}));
    QCOMPARE(chosen.train.classes, 10u);
    QCOMPARE(chosen.train.classNames.at(9), std::string("truck"));
    QVERIFY(chosen.train.bytes == images);
    QVERIFY(chosen.train.labels == labels);
    QCOMPARE(chosen.evaluationName, std::string("test"));
    QVERIFY(chosen.evaluation.bytes == test.images);
    QVERIFY(chosen.evaluation.labels == test.labels);
  }

  void cifar100UsesTheFineLabels() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    const Records train = cifarRecords(0, 6, 100, true), test = cifarRecords(50, 2, 100, true);
    writeFile(root / "train.bin", train.file);
    writeFile(root / "test.bin", test.file);
    const auto d = data::loadCifar(root.string(), "train");
    QCOMPARE(d.classes, 100u);
    QVERIFY(d.bytes == train.images);
    QVERIFY(d.labels == train.labels);
    QCOMPARE(d.classNames.at(42), std::string("42"));  // no fine_label_names.txt: numbers
    QVERIFY(data::loadCifar(root.string(), "test").labels == test.labels);
  }

  void damagedCifarFilesAreRefused() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    auto expect = [&](const std::string& split, const std::string& part) {
      const std::string e = errorOf([&] { data::loadCifar(root.string(), split); });
      QVERIFY2(e.find(part) != std::string::npos && e.find('\n') == std::string::npos, e.c_str());
    };
    expect("train", "No CIFAR files in");
    writeFile(root / "test_batch.bin", cifarRecords(0, 2, 10, false).file + "x");
    expect("test", "test_batch.bin' is damaged: 6147 bytes is not a whole number of 3073-byte records");
    expect("train", "data_batch_1.bin' is missing");
    std::string badLabel = cifarRecords(0, 2, 10, false).file;
    badLabel[3073] = char(10);
    writeFile(root / "test_batch.bin", badLabel);
    expect("test", "has label 10 in record 2, outside 0-9");
    // A sparse file far larger than CIFAR: refused from its size, before anything is read.
    { std::ofstream(root / "test_batch.bin", std::ios::binary | std::ios::trunc); }
    fs::resize_file(root / "test_batch.bin", uint64_t(3073) << 20);
    expect("test", "test_batch.bin' is 3073 MiB, larger than any CIFAR file");
  }

  void pointCsvWithAndWithoutHeader() {
    const auto withHeader = data::parsePointsCsv("x,y,label\r\n0.5,-1,0\r\n\r\n 2 , 3e-1 , 2\n", "p.csv");
    QCOMPARE(withHeader, (std::vector<data::LabelledPoint>{{0.5f, -1, 0}, {2, 0.3f, 2}}));
    const auto plain = data::parsePointsCsv("1,2,1\n3,4,0", "p.csv");
    QCOMPARE(plain, (std::vector<data::LabelledPoint>{{1, 2, 1}, {3, 4, 0}}));
    const auto d = data::makePointDataset(withHeader, "p");
    QCOMPARE(d.classes, 3u);
    QCOMPARE(d.floats, (std::vector<float>{0.5f, -1, 2, 0.3f}));
    QCOMPARE(d.sampleShape, (nn::Shape{2}));
  }

  void badPointLinesAreNamed() {
    auto expect = [](const std::string& text, const std::string& part) {
      const std::string e = errorOf([&] { data::parsePointsCsv(text, "points.csv"); });
      QVERIFY2(e.find(part) != std::string::npos && e.find('\n') == std::string::npos, e.c_str());
    };
    expect("1,2,0\n3,4\n", "points.csv line 2: expected x,y,label (two finite numbers and a whole-number class 0-63)");
    expect("x,y,label\n1,2,0\n1,2,a\n", "line 3:");
    expect("1,2,0\n1,2,64\n", "line 2:");
    expect("1,2,0\n1,2,-1\n", "line 2:");
    expect("1,2,0\nnan,2,1\n", "line 2:");
    expect("1,2,0\n1,2,1,7\n", "line 2:");
    expect("1,2,0\n1,2,1.5\n", "line 2:");
    expect("1,2,0\n\x1b[31m,2,1\n", "got '\\x1b[31m,2,1'");
    expect("x,y,label\n1,2,0\n", "holds 1 point; a point set needs at least 2");
    expect("", "holds 0 points");
  }

  void drawnPointsTravelInTheDatasetName() {
    const std::vector<data::LabelledPoint> points{{0.1f, -2.5f, 0}, {1e-7f, 3.25f, 1}, {-0.333333343f, 7, 2}};
    const std::string name = data::drawnPointsName(points);
    QVERIFY(data::isDrawnPointsName(name));
    QCOMPARE(data::parseDrawnPoints(name), points);  // exactly: every float's digits kept
    data::DatasetSpec spec;
    spec.name = name;
    spec.validation = 0.34;
    const auto chosen = data::chooseDataset(spec);
    QCOMPARE(chosen.train.size() + chosen.evaluation.size(), 3u);
    QCOMPARE(chosen.train.classes, 3u);
    const std::string e = errorOf([] { data::parseDrawnPoints("drawn:1,2,0;1,x,1;"); });
    QVERIFY2(e.find("the drawn points, point 2: expected x,y,label") != std::string::npos, e.c_str());
    for (const char* few : {"drawn:", "drawn:1,2,0;"})
      QVERIFY(
          errorOf([&] { data::parseDrawnPoints(few); }).starts_with("Draw at least 2 points on the Decision boundary"));
  }

  void pointFilesAreChosenAndCheckedBeforeReading() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    std::string csv = "x,y,label\n";
    for (int i = 0; i < 50; ++i)
      csv += std::to_string(i) + "," + std::to_string(-i) + "," + std::to_string(i % 2) + "\n";
    writeFile(root / "mine.csv", csv);
    data::DatasetSpec spec;
    spec.name = "points:" + (root / "mine.csv").string();
    const auto chosen = data::chooseDataset(spec);
    QCOMPARE(chosen.train.size(), 40u);
    QCOMPARE(chosen.evaluation.size(), 10u);
    QCOMPARE(chosen.train.classes, 2u);
    QVERIFY(errorOf([] { data::loadPointsCsv("/no/such.csv"); }).find("does not exist") != std::string::npos);
    QVERIFY(errorOf([] { data::loadPointsCsv("/dev/zero"); }).find("not a regular file") != std::string::npos);
    { std::ofstream(root / "huge.csv"); }
    fs::resize_file(root / "huge.csv", data::kMaxPointFileBytes + 1);
    const std::string e = errorOf([&] { data::loadPointsCsv((root / "huge.csv").string()); });
    QVERIFY2(e.find("more than the 64 MiB a point set may take") != std::string::npos, e.c_str());
  }

  // Fine-tuning on part of a dataset: both splits keep only the chosen classes, labels as they were
  // (the network keeps all ten outputs), and the limit counts the kept samples.
  void aClassSubsetKeepsThoseClassesInBothSplits() {
    data::DatasetSpec spec;
    spec.name = "fashion-mnist,classes=5-9";
    spec.limit = 500;
    const auto chosen = data::chooseDataset(spec);
    QCOMPARE(chosen.train.size(), 500u);
    QCOMPARE(chosen.train.classes, 10u);
    QCOMPARE(chosen.evaluation.size(), 5000u);  // the test split: 1000 images of each class
    std::set<uint32_t> trainLabels(chosen.train.labels.begin(), chosen.train.labels.end());
    std::set<uint32_t> testLabels(chosen.evaluation.labels.begin(), chosen.evaluation.labels.end());
    QCOMPARE(trainLabels, (std::set<uint32_t>{5, 6, 7, 8, 9}));
    QCOMPARE(testLabels, (std::set<uint32_t>{5, 6, 7, 8, 9}));
    QVERIFY2(chosen.train.name.find("classes 5-9") != std::string::npos, chosen.train.name.c_str());

    spec = {};
    spec.name = "blobs,classes=0;2";
    spec.toyClasses = 4;
    const auto toy = data::chooseDataset(spec);
    std::set<uint32_t> toyLabels(toy.train.labels.begin(), toy.train.labels.end());
    toyLabels.insert(toy.evaluation.labels.begin(), toy.evaluation.labels.end());
    QCOMPARE(toyLabels, (std::set<uint32_t>{0, 2}));
    QCOMPARE(toy.train.size() + toy.evaluation.size(), 300u);  // half of 600 points in 4 blobs
  }

  void theClassSubsetTravelsInTheDatasetName() {
    using data::splitClassSubset, data::withClassSubset;
    QCOMPARE(splitClassSubset("idx,classes=0;2:/d,classes=1").dataset, std::string("idx:/d,classes=1"));
    QCOMPARE(splitClassSubset("idx,classes=0;2:/d,classes=1").classes, std::string("0;2"));
    const auto images = splitClassSubset("images,size=32x32,classes=3-4,skip-unreadable:/a,b");
    QCOMPARE(images.dataset, std::string("images,size=32x32,skip-unreadable:/a,b"));
    QCOMPARE(images.classes, std::string("3-4"));
    QCOMPARE(splitClassSubset("fashion-mnist").classes, std::string());
    QCOMPARE(withClassSubset("images,size=32x32:/x", "5-9"), std::string("images,classes=5-9,size=32x32:/x"));
    QCOMPARE(withClassSubset("fashion-mnist,classes=1", "5-9"), std::string("fashion-mnist,classes=5-9"));
    QCOMPARE(withClassSubset("fashion-mnist,classes=1", ""), std::string("fashion-mnist"));
    QCOMPARE(splitClassSubset(withClassSubset("cifar:/c", "1;3")).classes, std::string("1;3"));
    QCOMPARE(data::parseClasses("7;0-2;1", 10), (std::vector<uint32_t>{0, 1, 2, 7}));
  }

  void badClassSubsetsAreOneLine() {
    auto refusal = [](const std::string& name) {
      data::DatasetSpec spec;
      spec.name = name;
      spec.toyClasses = 3;
      return errorOf([&] { data::chooseDataset(spec); });
    };
    const std::vector<std::pair<std::string, std::string>> cases{
        {"blobs,classes=", "classes=: name the classes to keep, e.g. classes=5-9"},
        {"blobs,classes=3", "classes=3: 3 is out of range [0, 2]"},
        {"blobs,classes=2-1", "classes=2-1: 2-1 keeps nothing; write the smaller class first, e.g. 1-2"},
        {"blobs,classes=one", "classes=one:"},
        {"fashion-mnist,classes=0;12", "classes=0;12: 12 is out of range [0, 9]"}};
    for (const auto& [name, expected] : cases) {
      const std::string e = refusal(name);
      QVERIFY2(e.starts_with(expected) && e.find('\n') == std::string::npos, (name + " -> " + e).c_str());
    }
  }
};

QTEST_APPLESS_MAIN(TestDatasetsFiles)
#include "test_datasets_files.moc"
