// Counter-based random numbers: the same (seed, step, index) gives the same value on every device
// and in the CPU reference (engine/nn/random_hash.h), so dropout masks are reproducible and the
// reference can replay them. PCG hash (Jarzynski and Olano, JCGT 2020).
uint pcgHash(uint v) {
  uint state = v * 747796405u + 2891336453u;
  uint word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

// Uniform in [0, 1) with 24 random bits.
float uniformRandom(uint seed, uint step, uint index) {
  return float(pcgHash(index ^ pcgHash(seed ^ pcgHash(step))) >> 8) * (1.0 / 16777216.0);
}
