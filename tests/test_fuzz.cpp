// Hostile input, from the committed corpus (tests/fuzz_corpus, written by make_corpus.py):
// mutated network texts and damaged IDX dataset folders go to gradlab-cli, damaged experiment
// files (forged lengths behind recomputed checksums) to the experiment loader, plus a named pipe
// and a link to /dev/zero made here. Every case runs in a child process with a time limit and a
// memory limit, and must end by itself, by success or by refusal (never by a signal), within
// the time, under the memory bound, saying what is wrong in short printable lines.
#include "fuzz/fuzz_targets.h"
#include "persist/experiment_file.h"
#include "support/child_process.h"
#include "util/printable.h"

#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

using namespace gradlab;
namespace fs = std::filesystem;

namespace {

constexpr double kSecondsPerCase = 20;
constexpr size_t kPeakBytes = size_t(512) << 20;
// The CLI's address space may be larger than what it uses: the Vulkan driver and the thread
// stacks reserve more than they touch. The bound checked is the peak resident set.
constexpr size_t kCliAddressSpace = size_t(4) << 30;

std::vector<fs::path> entries(const fs::path& folder) {
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(folder)) found.push_back(entry.path());
  std::sort(found.begin(), found.end());
  return found;
}

// What went wrong with a case's outcome, or "" when it ended as it should. A refusal prints
// `maxLines` lines at most (the network parser reports one line per problem), each at most
// `lineLimit` bytes, with no control bytes and, unless allowed, no bytes outside ASCII.
std::string problemOf(const test::ChildOutcome& o, size_t maxLines, size_t lineLimit = 400,
                      bool allowNonAscii = false) {
  if (o.timedOut) return "still running after " + std::to_string(int(kSecondsPerCase)) + " s";
  if (!o.exited) return "ended by signal " + std::to_string(o.signal);
  if (o.exitCode < 0 || o.exitCode > 2) return "exit code " + std::to_string(o.exitCode);  // 1: refused, 2: usage
  if (o.peakBytes > kPeakBytes) return "peak memory " + std::to_string(o.peakBytes >> 20) + " MiB";
  // Refused because an allocation failed under the limit, not because a check caught the input.
  if (o.message.find("bad_alloc") != std::string::npos) return "ran out of memory: " + util::printable(o.message, 200);
  if (o.exitCode != 0 && o.message.empty()) return "refused without a message";
  if (o.message.empty()) return "";
  // A success prints its report (a table of any length); a refusal says what is wrong, briefly.
  size_t lines = 0, start = 0;
  const std::string text = o.message.back() != '\n' ? o.message + "\n" : o.message;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1, ++lines) {
    const std::string line = text.substr(start, end - start);
    if (!line.empty() && !test::isOneShortLine(line, o.exitCode == 0 ? 100000 : lineLimit, allowNonAscii))
      return "output line not short and printable: " + util::printable(line, 200);
  }
  if (o.exitCode != 0 && lines > maxLines) return std::to_string(lines) + " lines of output";
  return "";
}

std::string cli() { return GRADLAB_CLI; }
fs::path corpus(const char* part) { return fs::path(GRADLAB_FUZZ_CORPUS) / part; }

}  // namespace

class TestFuzz : public QObject {
  Q_OBJECT

 private slots:
  void networkTexts() {
    int refused = 0;
    for (const fs::path& file : entries(corpus("net"))) {
      const auto o = test::runProgram({cli(), "receptive-field", file.string()}, kSecondsPerCase, kCliAddressSpace);
      const std::string problem = problemOf(o, 21, 600, true);  // the parser lists 20 problems, then a count
      QVERIFY2(problem.empty(), (file.filename().string() + ": " + problem).c_str());
      refused += o.exitCode != 0;
    }
    QVERIFY(refused > 50);
  }

  // Each folder trains a toy network for one step: a broken folder is refused while loading, a
  // readable one by the shape check (its images do not fit the network's two inputs).
  void idxFolders() {
    QTemporaryDir made;
    const fs::path pipe = fs::path(made.path().toStdString()) / "pipe",
                   zero = fs::path(made.path().toStdString()) / "zero";
    fs::create_directories(pipe);
    fs::create_directories(zero);
    QCOMPARE(::mkfifo((pipe / "train-images-idx3-ubyte").c_str(), 0600), 0);
    QCOMPARE(::mkfifo((pipe / "train-labels-idx1-ubyte").c_str(), 0600), 0);
    fs::create_symlink("/dev/zero", zero / "train-images-idx3-ubyte");
    fs::create_symlink("/dev/zero", zero / "train-labels-idx1-ubyte.gz");
    auto folders = entries(corpus("idx"));
    folders.push_back(pipe);
    folders.push_back(zero);
    const std::string network = std::string(GRADLAB_NETWORKS) + "/toy_mlp_2d.net";
    for (const fs::path& folder : folders) {
      const auto o = test::runProgram({cli(), "train", network, "--dataset", "idx:" + folder.string(), "--steps", "1",
                                       "--validation", "0.5", "--quiet"},
                                      kSecondsPerCase, kCliAddressSpace);
      const std::string problem = problemOf(o, 1);
      QVERIFY2(problem.empty(), (folder.filename().string() + ": " + problem).c_str());
      QVERIFY2(o.exitCode != 0, (folder.filename().string() + " was not refused: " + o.message).c_str());
    }
  }

  // Bad command lines are refused with one line saying what is accepted (the cases that pass
  // today; argument parsing has its own tests in test_cli).
  void commandLines() {
    const std::string network = std::string(GRADLAB_NETWORKS) + "/toy_mlp_2d.net";
    const std::vector<std::vector<std::string>> cases{
        {"nonsense"},
        {"train"},
        {"train", network},
        {"train", network, "--dataset"},
        {"train", network, "--dataset", "nope"},
        {"train", network, "--dataset", "spi\x1bral\n\x07"},
        {"train", network, "--dataset", "idx:"},
        {"train", network, "--dataset", "idx:/nonexistent\n"},
        {"train", network, "--dataset", "images:/nonexistent\x1b[31m"},
        {"train", network, "--dataset", "images:/dev/null"},
        {"train", network, "--dataset", "images,size=0x0:/tmp"},
        {"train", network, "--dataset", "images,size=99999x2:/tmp"},
        {"train", network, "--dataset", "images,skip-unreadable=1:/tmp"},
        {"train", network, "--dataset", "cifar:/nonexistent"},
        {"train", network, "--dataset", "points:/dev/zero"},
        {"train", network, "--dataset", "drawn:1,2,x;nan,1,0;"},
        {"train", network, "--dataset", "spiral", "--batch", "abc"},
        {"train", network, "--dataset", "spiral", "--batch", "-1"},
        {"train", network, "--dataset", "spiral", "--batch", "99999999999999999999"},
        {"train", network, "--dataset", "spiral", "--lr", "nan"},
        {"train", network, "--dataset", "spiral", "--epochs", "0"},
        {"train", network, "--dataset", "spiral", "--validation", "2"},
        {"train", network, "--dataset", "spiral", "--optimizer", "adam:lr="},
        {"train", network, "--dataset", "spiral", "--schedule", "cosine:T_max=-5"},
        {"train", network, "--dataset", "spiral", "--samples", "4000000000"},
        {"train", network, "--dataset", "spiral", "--classes", "0"},
        {"train", network, "--dataset", "spiral", "--augment", "rotate=1e309"},
        {"train", network, "--dataset", "spiral", "--unknown-option"},
        {"train", "/nonexistent.net", "--dataset", "spiral"},
        {"train", "/dev/zero", "--dataset", "spiral"},
        {"compare"},
        {"compare", network},
        {"compare", network, "--dataset", "moons"},
        {"compare", network, "--dataset", "moons", "--run", "A", "--run", "B", "--run", "C", "--run", "D", "--run",
         "E"},
        {"compare", network, "--dataset", "moons", "--run", "A", "--run", "A"},
        {"compare", network, "--dataset", "moons", "--run", ""},
        {"compare", network, "--dataset", "moons", "--run",
         "b\x1b"
         "ad\n"},
        {"compare", network, "--dataset", "moons", "--run", "A:momentum=0.9"},
        {"compare", network, "--dataset", "moons", "--run", "A:lr"},
        {"compare", network, "--dataset", "moons", "--run", "A:lr=nan"},
        {"compare", network, "--dataset", "moons", "--run", "A:init=bogus"},
        {"compare", network, "--dataset", "moons", "--run", "A:augment=rotate=1e309"},
        {"compare", network, "--dataset", "moons", "--run", "A:optimizer=adam:lr=-1"},
        {"compare", network, "--dataset", "moons", "--run", "A:optimizer=adam:bogus=1"},
        {"compare", network, "--dataset", "moons", "--run", "A:optimizer=adam:lr=0.1,lr=0.2"},
        {"compare", network, "--dataset", "moons", "--run", "A", "--run", "B:batch=48"},
        {"compare", network, "--dataset", "moons", "--run", "A:network=/dev/zero"},
        {"compare", network, "--dataset", "moons", "--run", "A:network=/nonexistent.net"},
        {"compare", network, "--dataset", "moons", "--batch", "0", "--run", "A"},
        {"probe"},
        {"probe", network, "--init", "bogus"},
        {"receptive-field", "/dev/zero"},
        {"receptive-field", "/tmp"},
    };
    for (const auto& arguments : cases) {
      std::vector<std::string> argv{cli()};
      argv.insert(argv.end(), arguments.begin(), arguments.end());
      const auto o = test::runProgram(argv, kSecondsPerCase, kCliAddressSpace);
      std::string shown;
      for (const std::string& a : arguments) shown += " " + util::printable(a, 60);
      QVERIFY2(problemOf(o, 1).empty(), (shown + ": " + problemOf(o, 1)).c_str());
      QVERIFY2(o.exitCode != 0, (shown + ": accepted").c_str());
    }
  }

  // The libFuzzer entry points (tests/fuzz) over the corpus, so that what they check holds in CI
  // too: each folder in one child process, which a failed check aborts.
  void fuzzEntryPointsOnCorpus() {
    const std::vector<std::pair<const char*, void (*)(const uint8_t*, size_t)>> targets{{"net", fuzz::network},
                                                                                        {"gradlab", fuzz::experiment}};
    for (const auto& [folder, target] : targets) {
      const auto o = test::runInChild(
          [&, target = target] {
            for (const fs::path& file : entries(corpus(folder))) {
              std::ifstream in(file, std::ios::binary);
              const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
              target(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
            }
            return std::string();
          },
          60, kPeakBytes);
      QVERIFY2(o.exited && o.signal == 0 && o.message.empty(),
               (std::string(folder) + ": signal " + std::to_string(o.signal) + " " + o.message).c_str());
    }
  }

  // No command of the CLI opens experiment files, so the loader runs in a forked child here.
  void experimentFiles() {
    int opened = 0;
    for (const fs::path& file : entries(corpus("gradlab"))) {
      const auto o = test::runInChild(
          [&] {
            try {
              persist::loadExperiment(file);
            } catch (const persist::FileError& e) {
              return std::string(e.what());
            }
            return std::string();
          },
          kSecondsPerCase, kPeakBytes);
      const std::string problem = problemOf(o, 1);
      QVERIFY2(problem.empty(), (file.filename().string() + ": " + problem).c_str());
      opened += o.message.empty();
    }
    QVERIFY(opened < 40);  // most damage is caught
  }
};

QTEST_GUILESS_MAIN(TestFuzz)
#include "test_fuzz.moc"
