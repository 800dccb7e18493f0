#pragma once
// Why an experiment file could not be saved or opened, in words for the user: what is wrong and
// what to do. Loading throws nothing else, whatever bytes the file holds.
#include <stdexcept>

namespace gradlab::persist {

struct FileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace gradlab::persist
