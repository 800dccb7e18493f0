#pragma once
// The tooltip of a hyper-parameter field, made from its catalog entry (nn::ParamDef): the name,
// its help text (PyTorch's meaning), the default and the accepted range or choices. The layer
// catalog and the optimizer registry hold the words; this only lays them out.
#include "nn/hyper_params.h"

#include <QString>

namespace gradlab::ui::help {

QString paramToolTip(const nn::ParamDef& def);

// Whether `help` already says which values are accepted (">= 0", "in [0, 1)"): the optimizers'
// texts state their exact, sometimes open, ranges, which the ParamDef's closed bounds cannot.
bool statesRange(const QString& help);

}  // namespace gradlab::ui::help
