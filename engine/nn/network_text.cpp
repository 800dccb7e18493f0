#include "nn/network_text.h"

#include "util/printable.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace gradlab::nn {
namespace {

// A cursor over one line.
class LineReader {
 public:
  LineReader(std::string_view line, int number) : line_(line), number_(number) {}

  void skipSpace() {
    while (pos_ < line_.size() && std::isspace((unsigned char)line_[pos_])) ++pos_;
  }
  bool atEnd() {
    skipSpace();
    return pos_ >= line_.size();
  }
  bool accept(char c) {
    skipSpace();
    if (pos_ < line_.size() && line_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  std::string word() {  // identifier
    skipSpace();
    const size_t start = pos_;
    while (pos_ < line_.size() && (std::isalnum((unsigned char)line_[pos_]) || line_[pos_] == '_')) ++pos_;
    return std::string(line_.substr(start, pos_ - start));
  }
  std::string value() {  // number, identifier, or signed number
    skipSpace();
    const size_t start = pos_;
    while (pos_ < line_.size() && (std::isalnum((unsigned char)line_[pos_]) ||
                                   std::string_view("_.+-").find(line_[pos_]) != std::string_view::npos))
      ++pos_;
    return std::string(line_.substr(start, pos_ - start));
  }
  std::string quoted(std::string* error) {
    skipSpace();
    if (pos_ >= line_.size() || line_[pos_] != '"') {
      *error = "expected a quoted name";
      return {};
    }
    std::string out;
    for (++pos_; pos_ < line_.size(); ++pos_) {
      if (line_[pos_] == '\\' && pos_ + 1 < line_.size())
        out += line_[++pos_];
      else if (line_[pos_] == '"') {
        ++pos_;
        return out;
      } else
        out += line_[pos_];
    }
    *error = "the quoted name is not closed";
    return {};
  }
  std::string rest() {
    skipSpace();
    return std::string(line_.substr(pos_));
  }
  int number() const { return number_; }

 private:
  std::string_view line_;
  int number_;
  size_t pos_ = 0;
};

std::string_view withoutComment(std::string_view line) {
  bool inQuotes = false;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '"' && (i == 0 || line[i - 1] != '\\')) inQuotes = !inQuotes;
    if (line[i] == '#' && !inQuotes) return line.substr(0, i);
  }
  return line;
}

bool parseShape(const std::string& text, Shape* shape) {
  shape->dims.clear();
  size_t start = 0;
  while (start <= text.size()) {
    const size_t x = std::min(text.find('x', start), text.size());
    const std::string item = text.substr(start, x - start);
    if (item.empty() || item.size() > 9 || !std::all_of(item.begin(), item.end(), ::isdigit)) return false;
    shape->dims.push_back(uint32_t(std::stoul(item)));
    start = x + 1;
  }
  return !shape->dims.empty();
}

}  // namespace

ParsedNetwork parseNetwork(std::string_view text) {
  ParsedNetwork out;
  int number = 0;
  size_t lineStart = 0;
  while (lineStart <= text.size()) {
    const size_t end = std::min(text.find('\n', lineStart), text.size());
    const std::string_view raw = text.substr(lineStart, end - lineStart);
    lineStart = end + 1;
    ++number;
    LineReader r(withoutComment(raw), number);
    if (r.atEnd()) continue;
    // Messages quote the line: escaped, so a file's control bytes never reach a terminal or dialog.
    auto fail = [&](const std::string& message) {
      out.errors.push_back({GraphIssue::Error, "", util::printable(message, 400), number});
    };

    const std::string first = r.word();
    if (first.empty()) {
      fail("expected a statement: 'network \"name\"', 'input NAME: SHAPE' or 'NAME = Layer(...)', got '" + r.rest() +
           "'");
      continue;
    }
    if (first == "network" && !r.accept('=')) {
      std::string error;
      out.graph.title = r.quoted(&error);
      if (!error.empty())
        fail(error + " after 'network'");
      else if (!r.atEnd())
        fail("unexpected '" + r.rest() + "' after the network's name");
      continue;
    }
    if (first == "input" && !r.accept('=')) {
      GraphInput input;
      input.name = r.word();
      if (input.name.empty()) {
        fail("expected the input's name after 'input'");
        continue;
      }
      if (!r.accept(':')) {
        fail("expected ':' and a shape after 'input " + input.name + "', e.g. 'input " + input.name + ": 1x28x28'");
        continue;
      }
      const std::string shape = r.value();
      if (!parseShape(shape, &input.shape)) {
        fail("'" + shape + "' is not a shape: write sizes joined by x, e.g. 784 or 1x28x28");
        continue;
      }
      if (!r.atEnd()) {
        fail("unexpected '" + r.rest() + "' after the input's shape");
        continue;
      }
      out.graph.inputs.push_back(input);
      continue;
    }
    Node node;
    node.name = first;
    node.line = number;
    if (!r.accept('=')) {
      fail("expected '=' after '" + first + "' (a layer is written 'name = Type(inputs, key=value, ...)')");
      continue;
    }
    node.type = r.word();
    if (node.type.empty()) {
      fail("expected a layer type after '" + first + " ='");
      continue;
    }
    if (!r.accept('(')) {
      fail("expected '(' after " + node.type);
      continue;
    }
    bool good = true;
    if (!r.accept(')')) {
      do {
        const std::string name = r.word();
        if (name.empty()) {
          fail("expected an input name or key=value in " + node.type + "(...), got '" + r.rest() + "'");
          good = false;
          break;
        }
        if (r.accept('=')) {
          const std::string value = r.value();
          if (value.empty()) {
            fail("expected a value after '" + name + "='");
            good = false;
            break;
          }
          node.params.emplace_back(name, value);
        } else if (!node.params.empty()) {
          fail("input '" + name + "' comes after key=value arguments: list inputs first");
          good = false;
          break;
        } else {
          node.inputs.push_back(name);
        }
      } while (r.accept(','));
      if (good && !r.accept(')')) {
        fail("expected ',' or ')' in " + node.type + "(...), got '" + r.rest() + "'");
        good = false;
      }
    }
    if (good && !r.atEnd()) {
      fail("unexpected '" + r.rest() + "' after " + node.type + "(...)");
      good = false;
    }
    if (good) out.graph.nodes.push_back(std::move(node));
  }
  return out;
}

std::string printNetwork(const Graph& graph) {
  std::ostringstream out;
  if (!graph.title.empty()) {
    std::string escaped;
    for (char c : graph.title) {
      if (c == '"' || c == '\\') escaped += '\\';
      escaped += c;
    }
    out << "network \"" << escaped << "\"\n";
  }
  for (const auto& input : graph.inputs) out << "input " << input.name << ": " << input.shape.text() << "\n";
  for (const auto& node : graph.nodes) {
    out << node.name << " = " << node.type << "(";
    bool first = true;
    for (const auto& input : node.inputs) {
      out << (first ? "" : ", ") << input;
      first = false;
    }
    for (const auto& [key, value] : node.params) {
      out << (first ? "" : ", ") << key << "=" << value;
      first = false;
    }
    out << ")\n";
  }
  return out.str();
}

namespace {

constexpr size_t kMaxNetworkFileBytes = 16u << 20;
constexpr size_t kMaxReportedIssues = 20;

// The file's text; a directory, a device that never ends or an unreadable file is one clear error.
std::string readNetworkText(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw std::runtime_error(path + " is a directory: give a network file (.net) in it");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read the network file " + path);
  std::string text;
  char chunk[65536];
  while (text.size() <= kMaxNetworkFileBytes && in.read(chunk, sizeof chunk).gcount() > 0)
    text.append(chunk, size_t(in.gcount()));
  if (in.bad()) throw std::runtime_error("cannot read the network file " + path);
  if (text.size() > kMaxNetworkFileBytes)
    throw std::runtime_error(path + " is larger than " + std::to_string(kMaxNetworkFileBytes >> 20) +
                             " MiB: not a network file");
  return text;
}

}  // namespace

Graph loadNetworkFile(const std::string& path) {
  ParsedNetwork parsed = parseNetwork(readNetworkText(path));
  // "file:line: node (Type): message", the form editors and terminals link to.
  std::string message;
  size_t issues = 0;
  auto add = [&](GraphIssue issue) {
    if (++issues > kMaxReportedIssues) return;
    const int line = issue.line;
    issue.line = 0;
    message +=
        path + ":" + (line > 0 ? std::to_string(line) + ":" : "") + " " + util::printable(issue.text(), 400) + "\n";
  };
  for (const auto& e : parsed.errors) add(e);
  if (parsed.ok())
    for (const auto& issue : analyze(parsed.graph).issues)
      if (issue.severity == GraphIssue::Error) add(issue);
  if (issues > kMaxReportedIssues) message += "... and " + std::to_string(issues - kMaxReportedIssues) + " more\n";
  if (!message.empty()) {
    message.pop_back();
    throw std::runtime_error(message);
  }
  return parsed.graph;
}

}  // namespace gradlab::nn
