#pragma once
// The accepted range of every training and surface setting GradLab takes as a number, shared by
// gradlab-cli's options and the lab's fields so that both accept and refuse the same values (and
// say so in the same words, util::checkNumber / util::parseNumber).
#include "util/checked_values.h"

#include <string>

namespace gradlab::util::ranges {

// Training (gradlab-cli train, the lab's training panel).
// [0, 1e6]: 0 is PyTorch's bound too, and a frozen run is a legitimate control beside trained ones.
inline const Range kLearningRate = Range::closed(0, 1e6);
inline const Range kBatch = Range::integers(1, 65536);
inline const Range kEpochs = Range::integers(1, 100000);
inline const Range kSteps = Range::integers(1, double(1ull << 40));
inline const Range kSeed = Range::integers(0, 4294967295.0);
inline const Range kValidation{0, 1, false, true, false};               // [0, 1): the held-out fraction
inline const Range kSampleLimit = Range::integers(0, double(1 << 30));  // 0: all
inline const Range kToySamples = Range::integers(4, double(1 << 24));
inline const Range kToyNoise = Range::closed(0, 10);      // standard deviation of the points' noise
inline const Range kToyClasses = Range::integers(2, 64);  // spiral arms and blobs; the other toy sets have 2
inline const Range kPenalty = Range::closed(0, 1e6);      // l1, l2
inline const Range kClip = Range::aboveZero(1e6);         // clip-norm, clip-value
inline const Range kProbeEvery = Range::integers(1, double(1ull << 40));

// Augmentation keys (crop=PIXELS, rotate=DEGREES, brightness=A, contrast=A).
inline const Range kCropPadding = Range::integers(0, 64);
inline const Range kRotationDegrees = Range::closed(0, 180);
inline const Range kBrightness = Range::closed(0, 1);  // added within +-A on the [0, 1] scale
inline const Range kContrast = Range::closed(0, 1);    // contrast multiplied by 1 +- A

// Learning-rate schedules (--schedule's keys): steps are counted in uint32 on the device.
inline const Range kWarmupSteps = Range::integers(0, 4294967295.0);
inline const Range kSchedulePeriod = Range::integers(1, 4294967295.0);  // step_size, T_max, T_0, T_mult
inline const Range kScheduleGamma{0, 1, true, false, false};            // (0, 1]: a decay, never a growth
inline const Range kScheduleDecay = Range::closed(0, 1e6);              // inverse: lr0 / (1 + decay t)
inline const Range kScheduleFloor = Range::closed(0, 1e6);              // eta_min, as the learning rate

// 2-D test surfaces (gradlab-cli surface, the lab's optimizer race).
inline const Range kSurfaceSteps = Range::integers(0, double(1 << 20));
inline const Range kSurfaceCoordinate = Range::closed(-1e6, 1e6);  // each of the start point's x and y
inline const Range kQuadraticKappa = Range::closed(1, 1e6);        // condition number
inline const Range kQuadraticAngle = Range::closed(-360, 360);     // degrees

// Whether a toy dataset takes a number of classes (spiral arms, blobs); the others have two.
inline bool toyClassesVary(const std::string& dataset) { return dataset == "spiral" || dataset == "blobs"; }

}  // namespace gradlab::util::ranges
