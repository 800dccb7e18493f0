// gradlab-cli receptive-field: the theoretical receptive field of every layer of a network, as a
// table (see analysis/receptive_field.h for the rules and the conventions), and with --unit the
// effective receptive field of one unit measured on the device, as a heatmap.
#include "analysis/effective_receptive_field.h"
#include "analysis/receptive_field.h"
#include "cli/arguments.h"
#include "cli/commands.h"
#include "cli/dataset_option.h"
#include "cli/network_title.h"
#include "data/device_dataset.h"
#include "data/toy_datasets.h"
#include "gpu/context.h"
#include "nn/network_text.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>

namespace gradlab::cli {
namespace {

// "5", or "5x7" when the axes differ.
std::string pair(double rows, double cols) {
  char text[64];
  if (rows == cols)
    std::snprintf(text, sizeof text, "%g", rows);
  else
    std::snprintf(text, sizeof text, "%gx%g", rows, cols);
  return text;
}

void printTable(const std::vector<analysis::ReceptiveField>& fields) {
  std::printf("%-12s %-16s %-10s %8s %8s %8s  %s\n", "layer", "type", "output", "size", "jump", "start", "note");
  for (const auto& f : fields) {
    const bool w = f.whole;
    std::printf("%-12s %-16s %-10s %8s %8s %8s  %s\n", f.node.c_str(), f.type.c_str(), f.shape.text().c_str(),
                w ? "whole" : pair(f.rows.size, f.cols.size).c_str(), w ? "" : pair(f.rows.jump, f.cols.jump).c_str(),
                w ? "" : pair(f.rows.start, f.cols.start).c_str(), f.note.c_str());
  }
}

// "NODE" (its centre unit, channel 0) or "NODE:C,Y,X".
analysis::Unit parseUnit(const std::string& spec, const nn::GraphAnalysis& analysis) {
  analysis::Unit unit;
  unit.node = spec.substr(0, spec.find(':'));
  if (spec.find(':') == std::string::npos) {
    const auto it = analysis.shapes.find(unit.node);
    if (it != analysis.shapes.end() && it->second.isImage())
      unit.y = it->second.height() / 2, unit.x = it->second.width() / 2;
    return unit;
  }
  unsigned c = 0, y = 0, x = 0;
  char extra = 0;
  if (std::sscanf(spec.c_str() + spec.find(':') + 1, "%u,%u,%u%c", &c, &y, &x, &extra) != 3)
    throw UsageError("--unit takes NODE or NODE:CHANNEL,Y,X, e.g. c3:0,4,4");
  unit.channel = c, unit.y = y, unit.x = x;
  return unit;
}

// The input rows of the heatmap in ten shades of the peak, the theoretical box drawn with '|'.
void printHeatmap(const analysis::EffectiveReceptiveField& erf) {
  const double peak = std::max(*std::max_element(erf.heat.begin(), erf.heat.end()), 1e-30);
  const char* shades = " .:-=+*#%@";
  for (uint32_t y = 0; y < erf.height; ++y) {
    const bool boxRow = int(y) >= erf.box.top && int(y) <= erf.box.bottom;
    std::string line;
    for (uint32_t x = 0; x <= erf.width; ++x) {  // a separator before each column and after the last
      line += boxRow && (int(x) == erf.box.left || int(x) == erf.box.right + 1) ? '|' : ' ';
      if (x < erf.width) line += shades[std::min(9, int(erf.at(y, x) / peak * 9.999))];
    }
    std::printf(" %s\n", line.c_str());
  }
}

int effectiveField(const Arguments& o, const nn::Graph& graph) {
  const uint32_t batch = uint32_t(o.integer("batch", 64, 1, 65536));
  const uint32_t seed = uint32_t(o.integer("seed", 0, 0, 4294967295LL));
  gpu::ContextOptions contextOptions;
  contextOptions.device = o.text("device");
  gpu::Context context(contextOptions);
  nn::Network net(context, graph, batch, seed);
  const analysis::Unit unit = parseUnit(o.text("unit"), net.analysis());
  const std::string source = o.text("input", "gaussian");
  loadInputBatch(context, net, source, seed);
  const auto erf = analysis::effectiveReceptiveField(net, unit);

  double total = 0, inside = 0;
  for (uint32_t y = 0; y < erf.height; ++y)
    for (uint32_t x = 0; x < erf.width; ++x) {
      total += erf.at(y, x);
      if (erf.box.contains(int(y), int(x))) inside += erf.at(y, x);
    }
  std::printf(
      "\neffective receptive field of %s unit (channel %u, y %u, x %u) on %s, batch %u (initial weights, seed %u)\n",
      unit.node.c_str(), unit.channel, unit.y, unit.x, source == "gaussian" ? "gaussian noise N(0,1)" : source.c_str(),
      batch, seed);
  std::printf("theoretical box: rows %d-%d, columns %d-%d; ", erf.box.top, erf.box.bottom, erf.box.left, erf.box.right);
  if (total > 0)
    std::printf("%.1f%% of the mean |gradient| lies inside it\n\n", 100 * inside / total);
  else
    std::printf("the unit's gradient is zero on every sample (a ReLU that never fires?): try another unit\n\n");
  printHeatmap(erf);
  if (o.has("out")) {
    std::ofstream out(o.text("out"));
    if (!out) throw UsageError("--out: cannot write " + o.text("out"));
    out << "y,x,heat,in_box\n";
    for (uint32_t y = 0; y < erf.height; ++y)
      for (uint32_t x = 0; x < erf.width; ++x)
        out << y << ',' << x << ',' << erf.at(y, x) << ',' << (erf.box.contains(int(y), int(x)) ? 1 : 0) << '\n';
  }
  return 0;
}

}  // namespace

int receptiveFieldCommand(const std::vector<std::string>& args) {
  std::vector<std::string> rest = args;
  const std::string networkPath = takeLeadingFile(rest);
  Arguments o("receptive-field",
              {{"unit", "NODE[:C,Y,X]", "also measure this unit's effective field on the device (default: its centre)"},
               {"input", "SOURCE", std::string("for --unit: gaussian (default) or a dataset: ") + kDatasetHelp},
               {"batch", "N", "for --unit: samples averaged (default 64)"},
               {"seed", "N", "for --unit: seed for the weights and the noise (default 0)"},
               {"out", "FILE.csv", "for --unit: write the heatmap as CSV (y,x,heat,in_box)"},
               {"device", "INDEX|NAME", "Vulkan device"},
               {"help", "", "show this help"}},
              rest);
  if (o.has("help")) {
    std::cout << "usage: gradlab-cli receptive-field NETWORK.net [--unit NODE[:C,Y,X]] [options]\n\n"
                 "Prints each layer's theoretical receptive field in input pixels: its size, its jump (the\n"
                 "distance between neighbouring units' fields) and its start (the top-left edge of unit 0's\n"
                 "field; negative: padding). Unit i covers [start + i * jump, start + i * jump + size - 1].\n"
                 "Dense layers, global pooling and per-sample normalisations see the whole input.\n"
                 "With --unit, the mean |d unit / d input| over a batch (evaluation mode) is drawn beside\n"
                 "the theoretical box ('|').\n\n"
              << o.usage();
    return 0;
  }
  if (networkPath.empty()) throw UsageError("give the network file first: gradlab-cli receptive-field NETWORK.net");
  const nn::Graph graph = nn::loadNetworkFile(networkPath);
  const auto fields = analysis::receptiveFields(graph);
  std::printf("%s: theoretical receptive fields on the %s input, in input pixels\n\n",
              networkTitle(graph, networkPath).c_str(), graph.inputs[0].shape.text().c_str());
  printTable(fields);
  return o.has("unit") ? effectiveField(o, graph) : 0;
}

}  // namespace gradlab::cli
