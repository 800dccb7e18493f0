#pragma once
// CIFAR-10 and CIFAR-100 in their binary form ("CIFAR-10 binary version"): records of label
// byte(s) and 3072 bytes of a 32x32 colour image stored channels first, as GradLab keeps images.
#include "data/dataset.h"

#include <string>

namespace gradlab::data {

// "train" or "test" split of a folder holding CIFAR-10's data_batch_1.bin .. data_batch_5.bin and
// test_batch.bin, or CIFAR-100's train.bin and test.bin (labelled with the 100 fine classes), or
// the folder the archive unpacks to (cifar-10-batches-bin, cifar-100-binary) inside it. Class names
// come from batches.meta.txt or fine_label_names.txt when present. Throws DataError naming the
// file and the problem (missing, a size that is not whole records, labels out of range) before
// reading more than the files hold.
Dataset loadCifar(const std::string& directory, const std::string& split);

}  // namespace gradlab::data
