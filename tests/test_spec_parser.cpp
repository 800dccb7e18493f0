// The one parser for numbers and key=value lists (util/checked_values.h) and the escaper for
// quoted text (util/printable.h): what they accept, what they refuse, and how a refusal reads.
#include "optim/schedule.h"
#include "optim/settings.h"
#include "persist/run_setup.h"
#include "util/checked_values.h"
#include "util/option_ranges.h"
#include "util/printable.h"

#include <QTest>

#include <functional>
#include <stdexcept>

using namespace gradlab;
using util::Range;

namespace {

// The message of the std::invalid_argument `f` throws; empty when it throws nothing.
template <typename F>
QString refusal(F f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

bool hasControlBytes(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

}  // namespace

class TestSpecParser : public QObject {
  Q_OBJECT

 private slots:
  void numbersInRangeAreAccepted() {
    QCOMPARE(util::parseNumber("--noise", "0.25", util::ranges::kToyNoise), 0.25);
    QCOMPARE(util::parseNumber("--lr", "+1e-3", util::ranges::kLearningRate), 1e-3);
    QCOMPARE(util::parseInteger("crop", "4", util::ranges::kCropPadding), 4LL);
    QCOMPARE(util::parseInteger("--steps", "1e3", util::ranges::kSteps), 1000LL);
    QCOMPARE(util::parseInteger("--seed", "4294967295", util::ranges::kSeed), 4294967295LL);
  }

  void badNumbersAreRefusedWithTheRange() {
    QCOMPARE(refusal([] { util::parseNumber("--noise", "-1", util::ranges::kToyNoise); }),
             QString("--noise: -1 is out of range [0, 10]"));
    QCOMPARE(refusal([] { util::parseNumber("--validation", "nan", util::ranges::kValidation); }),
             QString("--validation: 'nan' is not a finite number in [0, 1)"));
    QCOMPARE(refusal([] { util::parseNumber("--validation", "1", util::ranges::kValidation); }),
             QString("--validation: 1 is out of range [0, 1)"));
    QCOMPARE(refusal([] { util::parseNumber("--lr", "-0.5", util::ranges::kLearningRate); }),
             QString("--lr: -0.5 is out of range [0, 1000000]"));
    QCOMPARE(refusal([] { util::parseNumber("--lr", "1e308", util::ranges::kLearningRate); }),
             QString("--lr: 1e308 is out of range [0, 1000000]"));
    QCOMPARE(refusal([] { util::parseNumber("--angle", "inf", util::ranges::kQuadraticAngle); }),
             QString("--angle: 'inf' is not a finite number in [-360, 360]"));
    QCOMPARE(refusal([] { util::parseNumber("--noise", "0.1x", util::ranges::kToyNoise); }),
             QString("--noise: '0.1x' is not a number in [0, 10]"));
    QCOMPARE(refusal([] { util::parseNumber("--noise", "", util::ranges::kToyNoise); }),
             QString("--noise: needs a number in [0, 10]"));
    // Integers: no wrap-around through an unsigned conversion, no truncation of fractions.
    QCOMPARE(refusal([] { util::parseInteger("crop", "-3", util::ranges::kCropPadding); }),
             QString("crop: -3 is out of range [0, 64]"));
    QCOMPARE(refusal([] { util::parseInteger("crop", "100000", util::ranges::kCropPadding); }),
             QString("crop: 100000 is out of range [0, 64]"));
    QCOMPARE(refusal([] { util::parseInteger("crop", "2.5", util::ranges::kCropPadding); }),
             QString("crop: 2.5 is not an integer in [0, 64]"));
    QCOMPARE(refusal([] { util::parseInteger("--classes", "99999999999999999999999", util::ranges::kToyClasses); }),
             QString("--classes: 99999999999999999999999 is out of range [2, 64]"));
    QCOMPARE(refusal([] { util::checkNumber("noise", -0.5, util::ranges::kToyNoise); }),
             QString("noise: -0.5 is out of range [0, 10]"));
  }

  void keyValueListsAreSplitAndChecked() {
    const auto items = util::parseKeyValues(" flip , crop=4", "--augment", {"flip", "crop"}, {"flip"});
    QCOMPARE(items.size(), size_t(2));
    QVERIFY(!items[0].hasValue && items[0].key == "flip");
    QVERIFY(items[1].hasValue && items[1].key == "crop" && items[1].value == "4");
    const auto spec = util::parseSpec("adam:lr=0.01,beta2=0.99", "--optimizer");
    QCOMPARE(spec.name, std::string("adam"));
    QVERIFY(spec.find("beta2") && spec.find("beta2")->value == "0.99" && !spec.find("beta1"));
    QVERIFY(util::parseSpec("sgd", "--optimizer").items.empty());

    QCOMPARE(refusal([] { util::parseKeyValues("crop=4,crop=5", "--augment"); }),
             QString("--augment: 'crop' is given twice"));
    QCOMPARE(refusal([] {
               util::parseKeyValues("zoom=2", "--augment", {"flip", "crop"}, {"flip"});
             }),
             QString("--augment: unknown key 'zoom'; accepted: flip, crop"));
    QVERIFY(refusal([] {
              util::parseKeyValues("crop", "--augment", {"flip", "crop"}, {"flip"});
            }).contains("got 'crop'"));
    QVERIFY(refusal([] {
              util::parseKeyValues("flip=1", "--augment", {"flip", "crop"}, {"flip"});
            }).contains("got 'flip=1'"));
    QCOMPARE(refusal([] { util::parseSpec("adam:=3", "--optimizer"); }),
             QString("--optimizer: write NAME or NAME:key=value,key=value, got '=3'"));
    QVERIFY(refusal([] { util::parseSpec(":lr=3", "--optimizer"); }).contains("NAME"));
  }

  // Every key=value list goes through util::parseSpec: a schedule refuses what an optimizer spec
  // refuses, in the same words.
  void schedulesUseTheOneParser() {
    QCOMPARE(refusal([] { optim::parseSchedule("cosine:T_max=1,T_max=2"); }),
             refusal([] { util::parseSpec("cosine:T_max=1,T_max=2", ""); }));
    QCOMPARE(refusal([] { optim::parseSchedule("cosine:T_max"); }),
             refusal([] { util::parseSpec("cosine:T_max", ""); }));
    QCOMPARE(refusal([] { optim::parseSchedule(":T_max=3"); }), refusal([] { util::parseSpec(":T_max=3", ""); }));
    QCOMPARE(refusal([] { optim::parseSchedule("step:step_size=10,gamma=0"); }),
             QString("gamma: 0 is out of range (0, 1]"));
    // The lab keeps text it could not split as the name: refused in the parser's words, not as an
    // unknown schedule.
    QCOMPARE(refusal([] {
               optim::makeSchedule({"cosine:T_max", {}});
             }),
             refusal([] { util::parseSpec("cosine:T_max", ""); }));
    QCOMPARE(refusal([] { optim::makeSchedule({"warmup", {}}); }), refusal([] { optim::parseSchedule("warmup"); }));
    QVERIFY(refusal([] { optim::parseSchedule("warmup"); }).startsWith("Unknown schedule 'warmup'"));
    const optim::ScheduleSpec warmup = optim::parseScheduleSpec(" warmup = 100 ");
    QCOMPARE(warmup.name, std::string("constant"));
    QCOMPARE(warmup.values.at("warmup"), std::string("100"));
  }

  // The lab's run setup refuses a schedule, an augmentation or a rate as gradlab-cli does: by the
  // option's name and the parser's words.
  void runSetupRefusesAsTheCommandLine() {
    const auto setupRefusal = [](const std::function<void(persist::TrainingSettings&)>& edit) {
      persist::TrainingSettings s;
      edit(s);
      return refusal([&] { persist::runSetup(s); });
    };
    QCOMPARE(setupRefusal([](auto& s) {
               s.schedule = "cosine", s.scheduleValues = {{"T_max", "0"}};
             }),
             "--schedule: " + refusal([] { optim::parseSchedule("cosine:T_max=0"); }));
    QCOMPARE(setupRefusal([](auto& s) { s.schedule = "linear"; }),
             "--schedule: " + refusal([] { optim::parseSchedule("linear"); }));
    QCOMPARE(setupRefusal([](auto& s) {
               s.augmentation = {{"crop", "100"}};
             }),
             QString("--augment: crop: 100 is out of range [0, 64]"));
    QCOMPARE(setupRefusal([](auto& s) {
               s.optimizer = "adam", s.optimizerValues = {{"beta1", "1"}};
             }),
             QString("--optimizer: Invalid beta1 value: 1.0 (Adam needs 0.0 <= beta1 < 1.0)"));
    QCOMPARE(setupRefusal([](auto& s) {
               s.optimizerValues = {{"lr", "-1"}};
             }),
             refusal([] { util::parseNumber("--lr", "-1", util::ranges::kLearningRate); }));
    QCOMPARE(setupRefusal([](auto& s) {
               s.optimizerValues = {{"lr", "2e6"}};
             }),
             QString("--lr: 2e6 is out of range [0, 1000000]"));
  }

  // A learning rate of 0 (a frozen control run) is accepted everywhere a rate is read: the run
  // setup, the optimizer catalog, the schedule and the command line's range.
  void aZeroLearningRateIsOneRule() {
    persist::TrainingSettings s;
    s.optimizerValues = {{"lr", "0"}};
    QCOMPARE(persist::runSetup(s).options.learningRate, 0.0);
    QCOMPARE(optim::resolveSettings("adam", {{"lr", "0"}})["lr"], 0.0);
    QVERIFY(util::ranges::kLearningRate.contains(0));
    QVERIFY(!util::ranges::kLearningRate.contains(-1e-9));
    optim::Schedule schedule;
    schedule.lr0 = 0;
    optim::validate(schedule);
    const QString tooLarge = refusal([] { optim::resolveSettings("sgd", {{"lr", "2e6"}}); });
    QCOMPARE(tooLarge, QString("Invalid lr value: 2e+06 (SGD needs 0.0 <= lr <= 1e+06)"));
  }

  void quotedTextHasNoControlBytes() {
    QCOMPARE(util::printable("plain title"), std::string("plain title"));
    QCOMPARE(util::printable("a\033]0;pwned\007\033[2Jb"), std::string("a\\x1b]0;pwned\\x07\\x1b[2Jb"));
    QCOMPARE(util::printable("line\nnext\t\r"), std::string("line\\nnext\\t\\r"));
    QCOMPARE(util::printable("caf\xc3\xa9"), std::string("caf\xc3\xa9"));  // UTF-8 stays
    QCOMPARE(util::printable("\xc2\x9b"
                             "2J"),
             std::string("\\u009b2J"));  // C1 CSI as UTF-8
    QCOMPARE(util::printable("\x9b"
                             "2J\xff"),
             std::string("\\x9b2J\\xff"));  // not UTF-8
    QCOMPARE(util::printable(std::string(500, 'x'), 10), std::string(10, 'x') + "... (490 more bytes)");
    // The bound holds for what is shown: escapes take four bytes for one.
    QCOMPARE(util::printable(std::string(100, '\x01'), 10), "\\x01\\x01... (98 more bytes)");
    const std::string lines = util::printableLines("a\033\nb\nc\nd", 2);
    QCOMPARE(lines, std::string("a\\x1b\nb\n... and 2 more"));
    QVERIFY(!hasControlBytes(
        refusal([] { util::parseNumber("--noise", "\033[2J", util::ranges::kToyNoise); }).toStdString()));
  }
};

QTEST_APPLESS_MAIN(TestSpecParser)
#include "test_spec_parser.moc"
