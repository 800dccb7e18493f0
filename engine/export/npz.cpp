// The .npy header: magic, version 1.0, a little-endian uint16 header length, then a Python dict
// literal padded with spaces to a multiple of 64 bytes and ended by '\n'. The zip: one local
// header per entry (method 0, stored), then the central directory and its end record.
#include "export/npz.h"

#include <zlib.h>

#include <stdexcept>

namespace gradlab::exporting {
namespace {

void put16(std::string& out, uint32_t v) {
  out += char(v & 0xff);
  out += char((v >> 8) & 0xff);
}
void put32(std::string& out, uint32_t v) {
  put16(out, v & 0xffff);
  put16(out, v >> 16);
}

// A Python tuple: "()", "(3,)", "(3, 4)".
std::string shapeText(const std::vector<uint64_t>& shape) {
  std::string text;
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return "(" + text + (shape.size() == 1 ? ",)" : ")");
}

// Local file header (signature 0x04034b50) or central directory entry (0x02014b50) fields shared
// by both: version, flags, method 0, time, date, CRC, sizes, name length.
void putEntryFields(std::string& out, uint32_t crc, uint32_t size, size_t nameLength) {
  put16(out, 20);    // version needed: 2.0
  put16(out, 0);     // flags
  put16(out, 0);     // stored
  put16(out, 0);     // time
  put16(out, 0x21);  // date: 1980-01-01
  put32(out, crc);
  put32(out, size);
  put32(out, size);
  put16(out, uint32_t(nameLength));
}

}  // namespace

std::string npyBytes(const NpyArray& array) {
  const bool isFloat = !array.floats.empty() || array.ints.empty();
  std::string dict = std::string("{'descr': '") + (isFloat ? "<f4" : "<i8") +
                     "', 'fortran_order': False, 'shape': " + shapeText(array.shape) + ", }";
  const size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  put16(out, uint32_t(dict.size()));
  out += dict;
  if (isFloat)
    out.append(reinterpret_cast<const char*>(array.floats.data()), array.floats.size() * sizeof(float));
  else
    out.append(reinterpret_cast<const char*>(array.ints.data()), array.ints.size() * sizeof(int64_t));
  return out;
}

std::string npzBytes(const std::vector<std::pair<std::string, NpyArray>>& arrays) {
  std::string out, directory;
  for (const auto& [name, array] : arrays) {
    const std::string file = name + ".npy", data = npyBytes(array);
    if (data.size() >= 0xffffffffu || out.size() >= 0xffffffffu)
      throw std::runtime_error("The weights are over 4 GiB, more than a plain zip holds");
    const uint32_t crc = uint32_t(crc32_z(0, reinterpret_cast<const Bytef*>(data.data()), data.size()));
    const uint32_t offset = uint32_t(out.size());
    put32(out, 0x04034b50);
    putEntryFields(out, crc, uint32_t(data.size()), file.size());
    put16(out, 0);  // extra field length
    out += file;
    out += data;
    put32(directory, 0x02014b50);
    put16(directory, 20);  // made by: 2.0
    putEntryFields(directory, crc, uint32_t(data.size()), file.size());
    put16(directory, 0);  // extra field length
    put16(directory, 0);  // comment length
    put16(directory, 0);  // disk
    put16(directory, 0);  // internal attributes
    put32(directory, 0);  // external attributes
    put32(directory, offset);
    directory += file;
  }
  const uint32_t directoryOffset = uint32_t(out.size());
  out += directory;
  put32(out, 0x06054b50);
  put16(out, 0);
  put16(out, 0);
  put16(out, uint32_t(arrays.size()));
  put16(out, uint32_t(arrays.size()));
  put32(out, uint32_t(directory.size()));
  put32(out, directoryOffset);
  put16(out, 0);  // comment length
  return out;
}

}  // namespace gradlab::exporting
