// Unsigned division by a value that varies at run time, without the hardware divide: CPU devices
// have no vector integer divide, so llvmpipe runs `x / d` as one scalar division per lane (about
// 8x25 cycles per SIMD vector), which made index arithmetic most of the pooling, im2col and
// layout kernels' time. A float estimate, refined once on the remainder and corrected by one
// step, is exact for x < 2^31 and 0 < d < 2^22 (the engine's tensor sizes and dimensions).
uint quotient(uint x, uint d) {
  uint q = uint(float(x) / float(d));                        // within about x 2^-22 / d + 1
  q += uint(int(round(float(int(x - q * d)) / float(d))));   // remainder below 2^24: off by one at most
  const int r = int(x - q * d);
  return r < 0 ? q - 1u : uint(r) >= d ? q + 1u : q;
}
uint remainder(uint x, uint d) { return x - quotient(x, d) * d; }
