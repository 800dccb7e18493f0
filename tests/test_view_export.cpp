// Exporting what a view shows: PNG and SVG at the chosen size that show the runs' colours, CSV
// with one row per drawn point and the engine's numbers, GIF, MP4 and PNG sequences decoded again
// (Qt for images, FFmpeg's libavformat/libavcodec for animations) with the chosen size and frame
// count, live recording between two steps, and failures that say one line and leave no torn file.
#include "analysis/gradient_check_dialog.h"
#include "analysis/landscape_view.h"
#include "analysis/receptive_field_view.h"
#include "demos.h"
#include "export/export_dialog.h"
#include "export/frame_sink.h"
#include "export/view_export.h"
#include "export/view_recorder.h"
#include "main_window.h"
#include "support/ui_test.h"
#include "training_charts.h"
#include "training_controller.h"
#include "views/decision_boundary_view.h"
#include "views/depth_stats_view.h"
#include "views/filter_grid_view.h"
#include "views/layer_histograms_view.h"
#include "views/surface_view.h"
#include "window/run_views.h"

#include <QApplication>
#include <QClipboard>
#include <QMenu>
#include <QSignalSpy>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QtCharts/QChartView>
#include <QtCharts/QXYSeries>

#include <cmath>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>
}

using namespace gradlab;

namespace {

constexpr uint64_t kRunId = 3;
constexpr uint64_t kSteps = 60;

double lossOf(uint32_t member, uint64_t step) { return 0.3 + 0.8 * member + std::exp(-double(step) / 20.0); }

// Two runs' steps 0..kSteps-1 in snapshots of 10, a validation pass every 30 steps.
void feed(ui::TrainingCharts& charts, uint32_t member) {
  for (uint64_t first = 0; first < kSteps; first += 10) {
    train::Snapshot s;
    s.runId = kRunId;
    s.member = member;
    s.step = first + 10;
    s.state = s.step == kSteps ? train::RunState::Paused : train::RunState::Running;
    for (uint64_t step = first; step < s.step; ++step)
      s.records.push_back({step, lossOf(member, step), 0.4 + 0.005 * double(step)});
    if (s.step % 30 == 0) s.validation = train::Evaluation{lossOf(member, s.step) + 0.05, 0.5 + 0.1 * member};
    charts.add(s);
  }
}

ui::RunStyles twoRuns() {
  ui::RunStyles styles{ui::defaultRunStyle(0), ui::defaultRunStyle(1)};
  styles[0].description = "base";
  styles[1].description = "lr=0.3";
  return styles;
}

// A decoded animation: its frames, the size of the first, and the last as an image.
struct Decoded {
  int frames = 0, width = 0, height = 0;
  QString codec;
  QImage last;
};

QImage toImage(const AVFrame* frame) {
  QImage image(frame->width, frame->height, QImage::Format_RGB32);  // BGRA bytes
  SwsContext* convert = sws_getContext(frame->width, frame->height, AVPixelFormat(frame->format), frame->width,
                                       frame->height, AV_PIX_FMT_BGRA, SWS_BILINEAR, nullptr, nullptr, nullptr);
  uint8_t* planes[] = {image.bits()};
  const int strides[] = {int(image.bytesPerLine())};
  sws_scale(convert, frame->data, frame->linesize, 0, frame->height, planes, strides);
  sws_freeContext(convert);
  return image;
}

// Decodes every frame of `path` with libavformat and libavcodec (as a player would).
Decoded decode(const QString& path) {
  Decoded d;
  AVFormatContext* format = nullptr;
  if (avformat_open_input(&format, path.toUtf8().constData(), nullptr, nullptr) < 0) return d;
  avformat_find_stream_info(format, nullptr);
  const int stream = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  const AVCodec* decoder = stream >= 0 ? avcodec_find_decoder(format->streams[stream]->codecpar->codec_id) : nullptr;
  AVCodecContext* codec = decoder ? avcodec_alloc_context3(decoder) : nullptr;
  if (codec && avcodec_parameters_to_context(codec, format->streams[stream]->codecpar) >= 0 &&
      avcodec_open2(codec, decoder, nullptr) >= 0) {
    d.codec = decoder->name;
    AVPacket* packet = av_packet_alloc();
    AVFrame* frame = av_frame_alloc();
    auto drain = [&] {
      while (avcodec_receive_frame(codec, frame) >= 0) {
        if (d.frames++ == 0) d.width = frame->width, d.height = frame->height;
        d.last = toImage(frame);
      }
    };
    while (av_read_frame(format, packet) >= 0) {
      if (packet->stream_index == stream)
        while (avcodec_send_packet(codec, packet) == AVERROR(EAGAIN)) drain();
      drain();
      av_packet_unref(packet);
    }
    avcodec_send_packet(codec, nullptr);
    drain();
    av_frame_free(&frame);
    av_packet_free(&packet);
  }
  avcodec_free_context(&codec);
  avformat_close_input(&format);
  return d;
}

// The mean absolute difference of two images of one size, per channel (0..255).
double meanDifference(const QImage& a, const QImage& b) {
  double sum = 0;
  for (int y = 0; y < a.height(); ++y)
    for (int x = 0; x < a.width(); ++x) {
      const QColor p = a.pixelColor(x, y), q = b.pixelColor(x, y);
      sum += std::abs(p.red() - q.red()) + std::abs(p.green() - q.green()) + std::abs(p.blue() - q.blue());
    }
  return sum / (3.0 * a.width() * a.height());
}

// The data rows of a CSV text whose first cell is `first`, each split at commas.
QList<QStringList> rowsOf(const QString& csv, const QString& first = {}) {
  QList<QStringList> rows;
  const QStringList lines = csv.split('\n', Qt::SkipEmptyParts);
  for (qsizetype i = 1; i < lines.size(); ++i) {
    const QStringList cells = lines[i].split(',');
    if (first.isEmpty() || cells[0] == first) rows << cells;
  }
  return rows;
}

QStringList filesIn(const QString& folder) { return QDir(folder).entryList(QDir::Files | QDir::Hidden); }

}  // namespace

class TestViewExport : public QObject {
  Q_OBJECT
 private:
  // Two runs' loss and accuracy, laid out at 700 x 420 like a dock.
  std::unique_ptr<ui::TrainingCharts> chartsOfTwoRuns() {
    auto charts = std::make_unique<ui::TrainingCharts>();
    charts->follow(kRunId, 0);
    charts->setRunStyles(twoRuns());
    feed(*charts, 0);
    feed(*charts, 1);
    charts->resize(700, 420);
    charts->show();
    QTest::qWait(250);  // the charts redraw at most 10 times a second
    return charts;
  }

 private slots:
  void pngHasChosenSizeAndRunColours() {
    auto charts = chartsOfTwoRuns();
    QTemporaryDir dir;
    const QString path = dir.filePath("loss.png");
    QString error;
    QVERIFY2(ui::saveViewImage(*charts, path, QSize(1400, 840), &error), qPrintable(error));
    QImage image(path);
    QCOMPARE(image.size(), QSize(1400, 840));
    QDir().mkpath(SCREENSHOT_DIR);
    image.save(QString(SCREENSHOT_DIR) + "/view_export_charts_1400x840.png");
    // Twice the view's size: each run's curves are drawn at scale, not as an upscaled bitmap.
    for (const ui::RunStyle& run : twoRuns()) {
      const int pixels = test::countPixels(image, image.rect(), run.color, 30);
      QVERIFY2(pixels > 400, qPrintable(QString("%1: %2 pixels").arg(run.legend()).arg(pixels)));
    }
    // Another aspect ratio: the picture is fitted and centred, the rest is background.
    QVERIFY(ui::saveViewImage(*charts, path, QSize(600, 600), &error));
    QCOMPARE(QImage(path).size(), QSize(600, 600));
  }

  void svgHasChosenSizeAndRunColours() {
    auto charts = chartsOfTwoRuns();
    QTemporaryDir dir;
    const QString path = dir.filePath("loss.svg");
    QString error;
    QVERIFY2(ui::saveViewImage(*charts, path, QSize(1050, 630), &error), qPrintable(error));
    QSvgRenderer svg(path);
    QVERIFY(svg.isValid());
    QCOMPARE(svg.defaultSize(), QSize(1050, 630));
    QImage drawn(svg.defaultSize(), QImage::Format_ARGB32);
    drawn.fill(Qt::white);
    QPainter painter(&drawn);
    svg.render(&painter);
    painter.end();
    drawn.save(QString(SCREENSHOT_DIR) + "/view_export_charts_svg.png");
    for (const ui::RunStyle& run : twoRuns()) QVERIFY(test::countPixels(drawn, drawn.rect(), run.color, 30) > 300);
  }

  // One row per point drawn, with the values the engine recorded (the runs here are short enough
  // for the charts to draw every step).
  void chartsCsvHasEveryDrawnPoint() {
    auto charts = chartsOfTwoRuns();
    const QString csv = ui::viewCsv(charts.get());
    QVERIFY(csv.startsWith("run,chart,series,step,value\n"));
    for (uint32_t member : {0u, 1u}) {
      const QString run = twoRuns()[member].legend();
      QList<QStringList> training, validation;
      for (const QStringList& row : rowsOf(csv, run)) {
        if (row[1] == "loss" && row[2] == "training") training << row;
        if (row[1] == "loss" && row[2] == "validation") validation << row;
      }
      QCOMPARE(training.size(), qsizetype(kSteps));
      for (uint64_t step = 0; step < kSteps; ++step) {
        QCOMPARE(training[qsizetype(step)][3].toDouble(), double(step + 1));  // steps completed
        QCOMPARE(training[qsizetype(step)][4].toDouble(), lossOf(member, step));
      }
      QCOMPARE(validation.size(), 2);
      QCOMPARE(validation[1][4].toDouble(), lossOf(member, kSteps) + 0.05);
    }
    QCOMPARE(charts->lossPoints(0), size_t(kSteps));
  }

  // A moment of the timeline: the CSV has what the charts draw then, not the run's later steps.
  void chartsCsvFollowsTheReplayedMoment() {
    auto charts = chartsOfTwoRuns();
    charts->showMoment({{0, 20}, {1, 30}});
    auto trainingRows = [&](uint32_t member) {
      qsizetype n = 0;
      for (const QStringList& row : rowsOf(ui::viewCsv(charts.get()), twoRuns()[member].legend()))
        n += row[1] == "loss" && row[2] == "training";
      return n;
    };
    QCOMPARE(trainingRows(0), 20);
    QCOMPARE(trainingRows(1), 30);
    charts->showLive();
    QCOMPARE(trainingRows(0), qsizetype(kSteps));
  }

  void boundaryCsvHasCellsAndPoints() {
    ui::DecisionBoundaryView view;
    auto data = std::make_shared<data::Dataset>();
    data->sampleShape = nn::Shape{2};
    data->classes = 2;
    data->floats = {-1, -1, 1, 1, 0.5f, -0.25f};
    data->labels = {0, 1, 1};
    view.setData(data);
    auto b = std::make_shared<train::DecisionBoundary>();
    b->step = 12;
    b->grid = 3;
    b->classes = 2;
    b->cellClass = {0, 0, 1, 0, 1, 1, 1, 1, 1};
    b->confidence = {0.9f, 0.8f, 0.6f, 0.7f, 0.55f, 0.8f, 0.95f, 0.9f, 0.99f};
    view.setBoundary(b);
    const QString csv = ui::viewCsv(&view);
    const QList<QStringList> rows = rowsOf(csv);
    QCOMPARE(rows.size(), 9 + 3);
    QCOMPARE(rows[5][2], QString("cell"));         // row 1, column 2
    QCOMPARE(rows[5][3].toDouble(), b->cellX(2));  // exactly: the text reads back as the same double
    QCOMPARE(rows[5][4].toDouble(), b->cellY(1));
    QCOMPARE(rows[5][6].toDouble(), double(0.8f));
    QCOMPARE(rows[11], QStringList({"data", "", "point", "0.5", "-0.25", "1", ""}));
  }

  // A view in a hidden tab redraws only when shown: exporting it draws what it was given so far.
  void hiddenViewExportsItsLatestReport() {
    ui::DepthStatsView view;  // never shown
    view.resize(700, 420);
    const QImage before = ui::renderView(view);
    auto report = std::make_shared<train::ProbeReport>();
    report->step = 40;
    for (const char* node : {"fc1", "relu1", "fc2"}) {
      train::LayerProbe layer;
      layer.node = node;
      layer.type = std::string(node).starts_with("relu") ? "ReLU" : "Linear";
      layer.activation = {1000, 0.25, 0.5, -1, 2, std::nullopt, std::nullopt, std::vector<float>(32, 1.f)};
      layer.gradient = {1000, 0.001, 0.02, -0.1, 0.1, std::nullopt, std::nullopt, std::vector<float>(32, 1.f)};
      report->layers.push_back(layer);
    }
    view.setReport(report);
    const QImage after = ui::renderView(view);
    after.save(QString(SCREENSHOT_DIR) + "/view_export_hidden_depth.png");
    QVERIFY(after != before);
    // The activations' std line, in the colour its series has.
    QXYSeries* std = nullptr;
    for (QChartView* chart : view.findChildren<QChartView*>())
      if (chart->chart()->title().startsWith("Activations"))
        for (QAbstractSeries* s : chart->chart()->series())
          if (s->name() == "std") std = qobject_cast<QXYSeries*>(s);
    QVERIFY(std);
    const int line = test::countPixels(after, after.rect(), std->color(), 30),
              legendOnly = test::countPixels(before, before.rect(), std->color(), 30);
    QVERIFY2(line > legendOnly + 100, qPrintable(QString("%1 vs %2").arg(line).arg(legendOnly)));
    const QList<QStringList> rows = rowsOf(ui::viewCsv(&view));
    QCOMPARE(rows.size(), 3);
    QCOMPARE(rows[2][3], QString("fc2"));
    QCOMPARE(rows[2][4].toDouble(), 0.25);
  }

  // Every kind of view the lab docks registers itself, and each writes at least its header.
  void everyViewIsExportable() {
    QWidget window;
    new ui::TrainingCharts(&window);
    new ui::LayerHistogramsView(&window);
    new ui::DepthStatsView(&window);
    new ui::FilterGridView(&window);
    new ui::DecisionBoundaryView(&window);
    new ui::LandscapeView(&window);
    new ui::ReceptiveFieldView(&window);
    new ui::GradientCheckDialog(&window);
    new ui::SurfaceView(&window);
    QStringList names;
    for (QWidget* view : ui::exportableViews(&window)) {
      names << ui::exportName(view);
      QVERIFY2(ui::viewCsv(view).contains(','), qPrintable(ui::exportName(view)));
    }
    QCOMPARE(names.size(), 9);
    QVERIFY(names.contains("Loss and accuracy"));
    QVERIFY(names.contains("Optimizer race"));
  }

  // A right click on a chart inside the view (a child) opens the view's export menu.
  void rightClickOffersExport() {
    auto charts = chartsOfTwoRuns();
    QStringList entries;
    QTimer::singleShot(100, [&] {
      if (auto* menu = qobject_cast<QMenu*>(QApplication::activePopupWidget())) {
        for (QAction* a : menu->actions())
          if (!a->isSeparator()) entries << a->text();
        menu->close();
      }
    });
    QWidget* chart = charts->findChildren<QChartView*>().first()->viewport();
    QContextMenuEvent event(QContextMenuEvent::Mouse, QPoint(20, 20), chart->mapToGlobal(QPoint(20, 20)));
    QApplication::sendEvent(chart, &event);
    QCOMPARE(entries, QStringList({"Copy image", "Save image…", "Save data as CSV…", "Export (size, animation)…"}));
  }

  void gifAndMp4DecodeWithSizeAndFrameCount() {
    auto charts = chartsOfTwoRuns();
    QTemporaryDir dir;
    for (const auto& [name, format] : {std::pair{QString("run.gif"), ui::AnimationFormat::Gif},
                                       std::pair{QString("run.mp4"), ui::AnimationFormat::Mp4}}) {
      QString error;
      ui::AnimationOptions options;
      options.size = QSize(480, 270);
      auto sink = ui::openFrameSink(dir.filePath(name), format, options, &error);
      QVERIFY2(sink, qPrintable(error));
      ui::ViewRecorder recorder(charts.get(), std::move(sink));
      for (uint64_t step = 10; step <= 70; step += 10) QVERIFY2(recorder.capture(step), qPrintable(recorder.error()));
      QVERIFY(!QFile::exists(dir.filePath(name)));  // nothing at the destination until finished
      QVERIFY2(recorder.finish(), qPrintable(recorder.error()));
      const Decoded d = decode(dir.filePath(name));
      qInfo() << name << "encoded with" << recorder.encoderName() << "decoded with" << d.codec;
      QCOMPARE(d.frames, 7);
      QCOMPARE(QSize(d.width, d.height), QSize(480, 270));
      d.last.save(QString(SCREENSHOT_DIR) + "/view_export_last_frame_" + QFileInfo(name).suffix() + ".png");
      // The frame is the view: on average within a few levels per channel of the view drawn at this
      // size. The palette (GIF) keeps each run's colour on at least half of its pixels; MP4's 4:2:0
      // chroma (what players expect) spreads a thin line's colour over 2 x 2 pixels instead.
      const QImage source = ui::withStep(ui::renderView(*charts, QSize(480, 270)), 70);  // as the last frame
      QVERIFY2(meanDifference(source, d.last) < 6, qPrintable(QString::number(meanDifference(source, d.last))));
      for (const ui::RunStyle& run : twoRuns()) {
        const int inSource = test::countPixels(source, source.rect(), run.color, 30),
                  inFrame = test::countPixels(d.last, d.last.rect(), run.color, 30);
        if (format == ui::AnimationFormat::Gif)
          QVERIFY2(inSource > 50 && inFrame >= inSource / 2,
                   qPrintable(QString("%1: %2 of %3").arg(run.legend()).arg(inFrame).arg(inSource)));
      }
    }
  }

  void pngSequenceHasNumberedFramesWithStep() {
    auto charts = chartsOfTwoRuns();
    QTemporaryDir dir;
    const QString folder = dir.filePath("frames");
    QString error;
    ui::AnimationOptions options;
    options.size = QSize(640, 360);
    ui::ViewRecorder recorder(charts.get(),
                              ui::openFrameSink(folder, ui::AnimationFormat::PngSequence, options, &error));
    QVERIFY2(recorder.recording(), qPrintable(error));
    for (uint64_t step : {5, 6, 7}) QVERIFY(recorder.capture(step));
    QVERIFY(recorder.finish());
    QCOMPARE(filesIn(folder), QStringList({"frame_00001.png", "frame_00002.png", "frame_00003.png"}));
    const QImage last(folder + "/frame_00003.png");
    QCOMPARE(last.size(), QSize(640, 360));
    last.save(QString(SCREENSHOT_DIR) + "/view_export_frame_with_step.png");
    // The step's label: white text on a dark box in the bottom-right corner.
    const QRectF corner(last.width() * 0.75, last.height() * 0.85, last.width() * 0.25, last.height() * 0.15);
    QVERIFY(test::countPixels(last, corner, Qt::white, 30) > 30);
  }

  // Frames as the run's snapshots arrive, only for steps in the chosen range, then written.
  void liveRecordingTakesStepsInRange() {
    auto charts = chartsOfTwoRuns();
    ui::TrainingController controller;
    QTemporaryDir dir;
    QString error;
    ui::AnimationOptions options;
    options.size = QSize(320, 200);
    auto* recorder = new ui::ViewRecorder(
        charts.get(), ui::openFrameSink(dir.filePath("live.gif"), ui::AnimationFormat::Gif, options, &error));
    QSignalSpy finished(recorder, &ui::ViewRecorder::finished);
    recorder->followLive(&controller, 20, 40);
    for (uint64_t step = 10; step <= 60; step += 10) {
      auto s = std::make_shared<train::Snapshot>();
      s->step = step;
      emit controller.snapshot(s);
      QTest::qWait(ui::ViewRecorder::kSettleMs + 60);
    }
    QCOMPARE(finished.size(), 1);
    QVERIFY2(finished[0][0].toBool(), qPrintable(finished[0][1].toString()));
    QCOMPARE(decode(dir.filePath("live.gif")).frames, 3);  // steps 20, 30, 40
    delete recorder;
  }

  // A replay's moments, each drawn by the caller and then captured: a frame per moment, in order.
  void replayRecordsEachMoment() {
    ui::TrainingCharts charts;
    charts.follow(kRunId, 0);
    charts.setRunStyles(twoRuns());
    charts.resize(500, 300);
    charts.show();
    QTemporaryDir dir;
    QString error;
    ui::AnimationOptions options;
    options.size = QSize(500, 300);
    const QString folder = dir.filePath("replay");
    ui::ViewRecorder recorder(&charts, ui::openFrameSink(folder, ui::AnimationFormat::PngSequence, options, &error));
    QSignalSpy finished(&recorder, &ui::ViewRecorder::finished);
    std::vector<size_t> shown;
    std::vector<QImage> drawn;  // the view as it showed each moment when the next was asked for
    recorder.followReplay(1, 3, [&](size_t moment) {
      if (!shown.empty()) drawn.push_back(ui::renderView(charts, options.size));
      shown.push_back(moment);
      charts.clear();
      for (uint64_t first = 0; first < 20 * moment; first += 10) {  // moment i: the curves up to step 20 i
        train::Snapshot s;
        s.runId = kRunId;
        s.step = first + 10;
        for (uint64_t step = first; step < s.step; ++step)
          s.records.push_back({step, lossOf(0, step) * double(moment), 0.5});
        charts.add(s);
      }
      return uint64_t(20 * moment);
    });
    QVERIFY(finished.wait(5000));
    drawn.push_back(ui::renderView(charts, options.size));
    QVERIFY2(finished[0][0].toBool(), qPrintable(finished[0][1].toString()));
    QCOMPARE(shown, std::vector<size_t>({1, 2, 3}));
    QCOMPARE(recorder.lastStep(), uint64_t(60));
    QCOMPARE(filesIn(folder).size(), 3);
    // Frame i is moment i as the view drew it (PNG is lossless), and the moments differ.
    for (int i = 0; i < 3; ++i) {
      const QImage frame = QImage(folder + "/" + filesIn(folder)[i]).convertToFormat(QImage::Format_RGB32);
      QVERIFY2(frame == ui::withStep(drawn[size_t(i)], 20 * uint64_t(i + 1)), qPrintable(QString::number(i)));
    }
    QVERIFY(drawn[0] != drawn[1] && drawn[1] != drawn[2]);  // the curves, not only the step's label
  }

  void failuresSayOneLineAndLeaveNoTornFile() {
    auto charts = chartsOfTwoRuns();
    QTemporaryDir dir;
    QFile blocker(dir.filePath("not-a-folder"));
    QVERIFY(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    const QString unwritable = dir.filePath("not-a-folder/out");
    QString error;
    QVERIFY(!ui::saveViewImage(*charts, unwritable + ".png", {}, &error));
    QVERIFY2(error.startsWith("Cannot write") && !error.contains('\n') && error.contains("Choose"), qPrintable(error));
    QVERIFY(!ui::saveViewCsv(*charts, unwritable + ".csv", &error));
    QVERIFY(!ui::saveViewImage(*charts, dir.filePath("x.bmp"), {}, &error));
    QVERIFY2(error.contains(".png or .svg"), qPrintable(error));
    for (auto format : {ui::AnimationFormat::Gif, ui::AnimationFormat::Mp4, ui::AnimationFormat::PngSequence}) {
      QVERIFY(!ui::openFrameSink(unwritable + ".gif", format, {}, &error));
      QVERIFY2(error.startsWith("Cannot write") && !error.contains('\n'), qPrintable(error));
    }
    // An animation abandoned half way leaves the old file as it was, and no temporary beside it.
    const QString old = dir.filePath("kept.gif");
    QFile keep(old);
    QVERIFY(keep.open(QIODevice::WriteOnly));
    keep.write("old");
    keep.close();
    {
      ui::ViewRecorder recorder(charts.get(), ui::openFrameSink(old, ui::AnimationFormat::Gif, {}, &error));
      QVERIFY(recorder.capture(1));
    }
    QFile kept(old);
    QVERIFY(kept.open(QIODevice::ReadOnly));
    QCOMPARE(kept.readAll(), QByteArray("old"));
    QCOMPARE(filesIn(dir.path()), QStringList({"kept.gif", "not-a-folder"}));
  }

  // A full disk: set GRADLAB_TEST_FULL_DIR to a folder on a tiny file system (as root:
  // mount -t tmpfs -o size=64k tmpfs DIR) to run this; elsewhere it is skipped.
  void fullDiskSaysOneLineAndLeavesNothing() {
    const QString folder = qEnvironmentVariable("GRADLAB_TEST_FULL_DIR");
    if (folder.isEmpty()) QSKIP("GRADLAB_TEST_FULL_DIR is not set");
    auto charts = chartsOfTwoRuns();
    QString error;
    QVERIFY(!ui::saveViewImage(*charts, folder + "/big.png", QSize(3000, 2000), &error));
    QVERIFY2(error.startsWith("Cannot write") && !error.contains('\n') && !error.contains("Unknown error"),
             qPrintable(error));
    for (auto format : {ui::AnimationFormat::Gif, ui::AnimationFormat::Mp4, ui::AnimationFormat::PngSequence}) {
      ui::AnimationOptions options;
      options.size = QSize(1280, 720);
      ui::ViewRecorder recorder(charts.get(), ui::openFrameSink(folder + "/big.gif", format, options, &error));
      bool ok = recorder.recording();
      for (uint64_t step = 1; ok && step <= 30; ++step) ok = recorder.capture(step);
      ok = ok && recorder.finish();
      QVERIFY(!ok);
      const QString message = recorder.error().isEmpty() ? error : recorder.error();
      qInfo() << message;
      QVERIFY2(message.startsWith("Cannot write") && !message.contains('\n'), qPrintable(message));
      QVERIFY2(!message.contains("Unknown error"), qPrintable(message));
    }
    QCOMPARE(filesIn(folder), QStringList());
    QCOMPARE(QDir(folder).entryList(QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden), QStringList());
  }

  // File > Export view…: the dialog exports the chosen view at the chosen size.
  void dialogExportsChosenView() {
    QWidget window;
    auto* charts = new ui::TrainingCharts(&window);
    auto* boundary = new ui::DecisionBoundaryView(&window);
    window.resize(600, 400);
    window.show();
    QTemporaryDir dir;
    ui::ExportDialog* dialog = ui::ExportDialog::open(&window, boundary);
    QCOMPARE(dialog->view(), boundary);
    dialog->setView(charts);
    dialog->setKind(ui::ExportDialog::Kind::Png);
    dialog->setSize(QSize(333, 222));
    dialog->setPath(dir.filePath("a.png"));
    QVERIFY2(dialog->exportNow(), qPrintable(dialog->message()));
    QCOMPARE(QImage(dir.filePath("a.png")).size(), QSize(333, 222));
    dialog->setKind(ui::ExportDialog::Kind::Clipboard);
    QVERIFY(dialog->exportNow());
    QCOMPARE(QApplication::clipboard()->image().size(), QSize(333, 222));
    dialog->setKind(ui::ExportDialog::Kind::Csv);  // the name follows the kind
    QVERIFY(dialog->exportNow());
    QVERIFY(QFile::exists(dir.filePath("a.csv")));
    dialog->setKind(ui::ExportDialog::Kind::Gif);  // no training in this window: one line says so
    QVERIFY(!dialog->exportNow());
    QVERIFY(!dialog->message().isEmpty() && !dialog->message().contains('\n'));
    test::screenshot(*dialog, "view_export_dialog", 50);
  }

  // In the lab the dialog's steps are the run's first and latest (opened again, the run's as it
  // is then, not what they were); steps the timeline holds are replayed into the file at once, a
  // frame a moment, and the views follow the run again after.
  void dialogStepsFollowTheRun() {
    QTemporaryDir autosave, dir;
    ui::MainWindow window({}, autosave.path());
    window.resize(1280, 720);
    window.show();
    auto e = ui::defaultExperiment();
    e.training.dataset = "moons";
    e.training.epochs = 1000;
    e.network = ui::builtInNetwork("toy_mlp_2d");
    QSignalSpy ready(&window, &ui::MainWindow::demoReady);
    window.openExperiment(e);
    QVERIFY(ready.wait(120000));
    auto trainTo = [&](uint64_t steps) {
      window.controller().play();
      QTRY_VERIFY_WITH_TIMEOUT(window.step() >= steps, 60000);
      window.controller().pause();
      QTRY_VERIFY_WITH_TIMEOUT(window.controller().state() == train::RunState::Paused, 10000);
      QTest::qWait(200);
    };
    trainTo(15);
    const ui::SnapshotStore& moments = window.findChild<ui::RunViews*>()->moments();
    ui::ExportDialog* dialog = ui::ExportDialog::open(&window, nullptr);
    QCOMPARE(dialog->firstStep(), moments.moment(0).step());
    QCOMPARE(dialog->lastStep(), window.step());
    dialog->close();
    trainTo(window.step() + 10);
    dialog = ui::ExportDialog::open(&window, nullptr);
    QCOMPARE(dialog->lastStep(), window.step());
    dialog->setKind(ui::ExportDialog::Kind::PngSequence);
    dialog->setSize(QSize(320, 200));
    dialog->setPath(dir.filePath("frames"));
    QVERIFY2(dialog->exportNow(), qPrintable(dialog->message()));
    QVERIFY(dialog->recorder());
    QSignalSpy finished(dialog->recorder(), &ui::ViewRecorder::finished);
    QVERIFY(finished.wait(60000));
    QVERIFY2(finished[0][0].toBool(), qPrintable(finished[0][1].toString()));
    QCOMPARE(filesIn(dir.filePath("frames")).size(), qsizetype(moments.size()));
    QVERIFY(!window.findChild<ui::RunViews*>()->replaying());
    // Steps the timeline does not hold: one line says so, and nothing is written.
    dialog->setSteps(window.step() - 1, window.step() - 1);
    if (moments.moment(moments.size() - 2).step() < window.step() - 1) {
      dialog->setPath(dir.filePath("none"));
      QVERIFY(!dialog->exportNow());
      QVERIFY2(dialog->message().contains("no step") && !dialog->message().contains('\n'),
               qPrintable(dialog->message()));
      QVERIFY(!QFile::exists(dir.filePath("none")));
    }
  }
};

QTEST_MAIN(TestViewExport)
#include "test_view_export.moc"
