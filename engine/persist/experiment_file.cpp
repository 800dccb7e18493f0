// The header is fixed for all versions, so any GradLab can tell what a file is:
//   0  8  "GRADLAB\n"
//   8  4  CRC-32 (zlib) of every byte from offset 12 to the end of the file
//  12  4  format version
//  16  8  payload size in bytes
//  24 16  the GradLab version that wrote the file, NUL-padded ("0.1.0")
//  40     payload: a Boost text archive of the Experiment
// Integers are little-endian. The checksum covers the header fields after it too, so a damaged
// version or size reads as damage, not as "newer" or "truncated".
//
// A text archive rather than a binary one: Boost's binary archives depend on the machine's byte
// order and type sizes and are not promised to stay readable across Boost versions, while text
// archives are portable and newer Boost reads older ones. The large arrays inside are
// little-endian bytes in base64 (experiment_archive.h), which keeps weights exact and compact.
#include "persist/experiment_file.h"

#include "persist/atomic_file.h"
#include "persist/experiment_archive.h"
#include "util/printable.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <boost/archive/archive_exception.hpp>
#include <boost/archive/text_iarchive.hpp>
#include <boost/archive/text_oarchive.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>
#include <utility>
#include <vector>

#ifndef GRADLAB_VERSION
#define GRADLAB_VERSION "unknown"
#endif

namespace gradlab::persist {
namespace {

constexpr char kMagic[8] = {'G', 'R', 'A', 'D', 'L', 'A', 'B', '\n'};
constexpr size_t kCrcOffset = 8, kVersionOffset = 12, kSizeOffset = 16, kWriterOffset = 24, kWriterSize = 16;
constexpr size_t kHeaderSize = 40;

template <class T>
void putLittleEndian(std::string& out, size_t offset, T value) {
  for (size_t i = 0; i < sizeof(T); ++i) out[offset + i] = char((value >> (8 * i)) & 0xff);
}
template <class T>
T getLittleEndian(const std::string& in, size_t offset) {
  T value = 0;
  for (size_t i = 0; i < sizeof(T); ++i) value |= T(uint8_t(in[offset + i])) << (8 * i);
  return value;
}

uint32_t checksum(const std::string& bytes) {
  return uint32_t(crc32_z(crc32_z(0, nullptr, 0), reinterpret_cast<const Bytef*>(bytes.data()) + kVersionOffset,
                          bytes.size() - kVersionOffset));
}

// What a file that is not ours seems to be, for the message.
std::string lookalike(const std::string& bytes) {
  const auto startsWith = [&](std::string_view prefix) { return bytes.compare(0, prefix.size(), prefix) == 0; };
  if (startsWith("\x89PNG")) return "it is a PNG image";
  if (startsWith("\xff\xd8\xff")) return "it is a JPEG image";
  if (startsWith("%PDF")) return "it is a PDF document";
  if (startsWith("PK\x03\x04")) return "it is a ZIP archive";
  if (startsWith("\x1f\x8b")) return "it is a gzip-compressed file";
  const bool text = std::all_of(bytes.begin(), bytes.end(),
                                [](char c) { return uint8_t(c) >= 0x20 || c == '\n' || c == '\r' || c == '\t'; });
  return text ? "it is a text file" : "it does not start with GradLab's signature";
}

std::string writerOf(const std::string& bytes) {
  std::string writer;
  for (size_t i = kWriterOffset; i < kWriterOffset + kWriterSize && bytes[i]; ++i)
    writer += (bytes[i] > 0x20 && bytes[i] < 0x7f) ? bytes[i] : '?';
  return writer.empty() ? "unknown" : writer;
}

std::string newerMessage(const std::string& name, const std::string& writer, uint32_t version) {
  return name + " was written by GradLab " + writer + " (experiment format " + std::to_string(version) +
         "); this GradLab " GRADLAB_VERSION " opens formats up to " + std::to_string(kFormatVersion) +
         ". Update GradLab to open it.";
}

FileError damaged(const std::string& name, const std::string& what) {
  return FileError(name + " is damaged: " + what + ". Open an earlier copy of it.");
}

}  // namespace

bool Moments::empty() const { return !saved || saved->moments.empty(); }

// By the text a file holds of them: the same moments write the same text.
bool Moments::operator==(const Moments& o) const {
  if (empty() || o.empty()) return empty() == o.empty();
  const auto text = [](Moments moments) {
    std::ostringstream out;
    boost::archive::text_oarchive archive(out, boost::archive::no_header);
    archive::moments(archive, moments);
    return out.str();
  };
  return text(*this) == text(o);
}

std::string toBytes(const Experiment& experiment) {
  std::ostringstream payload;
  {
    boost::archive::text_oarchive archive(payload);
    archive << experiment;
  }
  const std::string text = payload.str();
  std::string bytes(kHeaderSize, '\0');
  std::memcpy(bytes.data(), kMagic, sizeof kMagic);
  putLittleEndian<uint32_t>(bytes, kVersionOffset, kFormatVersion);
  putLittleEndian<uint64_t>(bytes, kSizeOffset, text.size());
  const std::string_view writer = GRADLAB_VERSION;
  bytes.replace(kWriterOffset, std::min(writer.size(), kWriterSize), writer.substr(0, kWriterSize));
  bytes += text;
  putLittleEndian<uint32_t>(bytes, kCrcOffset, checksum(bytes));
  return bytes;
}

Experiment fromBytes(const std::string& bytes, const std::string& name) {
  if (bytes.empty()) throw FileError(name + " is empty, so it holds no experiment. Open another file.");
  const size_t prefix = std::min(bytes.size(), sizeof kMagic);
  if (bytes.compare(0, prefix, kMagic, prefix) != 0)
    throw FileError(name + " is not a GradLab experiment file (" + lookalike(bytes.substr(0, 512)) + "). Open a " +
                    kExtension + " file saved by GradLab.");
  if (bytes.size() < kHeaderSize)
    throw FileError(name + " is incomplete: it ends after " + std::to_string(bytes.size()) +
                    " bytes, inside its header (an interrupted copy or download). Open an earlier copy of it.");
  const uint64_t payloadSize = getLittleEndian<uint64_t>(bytes, kSizeOffset);
  if (bytes.size() - kHeaderSize < payloadSize)
    throw FileError(name + " is incomplete: it ends after " + std::to_string(bytes.size()) + " of its " +
                    std::to_string(kHeaderSize + payloadSize) +
                    " bytes (an interrupted copy or download). Open an earlier copy of it.");
  if (checksum(bytes) != getLittleEndian<uint32_t>(bytes, kCrcOffset))
    throw damaged(name, "its checksum does not match its contents, so it was changed or corrupted after it was saved");
  if (bytes.size() - kHeaderSize != payloadSize) throw damaged(name, "it holds more bytes than its header says");
  const uint32_t version = getLittleEndian<uint32_t>(bytes, kVersionOffset);
  if (version > kFormatVersion) throw FileError(newerMessage(name, writerOf(bytes), version));
  if (version == 0) throw damaged(name, "its header names format version 0, which does not exist");

  Experiment experiment;
  try {
    std::istringstream payload(bytes.substr(kHeaderSize));
    archive::BoundedTextInput archive(payload, payloadSize);
    archive >> experiment;
  } catch (const boost::archive::archive_exception& e) {
    // The archive names its Boost library version: one built with a newer Boost may write
    // archives an older Boost cannot read, whatever the format version says.
    if (e.code == boost::archive::archive_exception::unsupported_version)
      throw FileError(name + " was written by GradLab " + writerOf(bytes) +
                      " built with a newer Boost.Serialization than this GradLab's. Update GradLab to open it.");
    throw damaged(
        name, "its contents could not be read (" + util::printable(e.what(), 200) + ") although its checksum matches");
  } catch (const std::exception& e) {  // malformed numbers, impossible sizes, out of memory
    throw damaged(
        name, "its contents could not be read (" + util::printable(e.what(), 200) + ") although its checksum matches");
  }
  return experiment;
}

void saveExperiment(const Experiment& experiment, const std::filesystem::path& path) {
  // A file no GradLab would open again is not written (the reader refuses it as damaged).
  if (experiment.comparisons.size() > kMaxComparisons)
    throw FileError("Cannot save " + path.string() + ": it holds " + std::to_string(experiment.comparisons.size() + 1) +
                    " runs, and a comparison has at most " + std::to_string(kMaxComparisons + 1) +
                    ". Remove a run and save again.");
  std::vector<std::pair<std::string, uint32_t>> colours = {{"A", experiment.look.colour}};
  for (const RunVariant& run : experiment.comparisons) colours.emplace_back(run.label, run.colour);
  for (const auto& [run, colour] : colours)
    if (colour >= kRunColours)
      throw FileError("Cannot save " + path.string() + ": run " + util::printable(run, 32) + " has colour " +
                      std::to_string(colour) + ", and the palette has " + std::to_string(kRunColours) +
                      ". Choose another colour and save again.");
  writeFileAtomically(path, toBytes(experiment));
}

Experiment loadExperiment(const std::filesystem::path& path) {
  const std::string name = path.string();
  // Non-blocking: opening a named pipe must not wait for a writer (it is refused below).
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    throw FileError("Cannot open " + name + " (" + std::strerror(errno) +
                    "). Check the name and that you may read it.");
  std::string bytes, problem;
  struct stat info;
  if (::fstat(fd, &info) != 0)
    problem = std::strerror(errno);
  else if (S_ISDIR(info.st_mode))
    problem = std::strerror(EISDIR);
  else if (!S_ISREG(info.st_mode))
    problem = "not a regular file but a device or a pipe";
  else {
    // The header first: a large foreign file is refused without reading it all.
    char buffer[1 << 16];
    for (;;) {
      const ssize_t n = ::read(fd, buffer, bytes.size() < kHeaderSize ? kHeaderSize - bytes.size() : sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) problem = std::strerror(errno);
      if (n <= 0) break;
      bytes.append(buffer, size_t(n));
      if (bytes.size() == kHeaderSize && bytes.compare(0, sizeof kMagic, kMagic, sizeof kMagic) != 0) break;
    }
  }
  ::close(fd);
  if (!problem.empty()) throw FileError("Cannot read " + name + " (" + problem + "). Choose an experiment file.");
  return fromBytes(bytes, name);
}

}  // namespace gradlab::persist
