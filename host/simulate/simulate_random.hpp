#pragma once
// Random number generation for the simulator: a small counter-seeded generator and exact samplers.
//
// Why hand-written: the simulator must give the same data for any thread count, chunk size and
// standard library, so every cell draws from its own stream derived from (seed, cell index), and
// the samplers below are fixed algorithms (std:: distributions are implementation-defined).
// Every sampler is exact in distribution (up to floating point); none is a normal approximation.
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <numbers>

namespace flashmm::detail {

/// SplitMix64 finaliser (Steele, Lea, Flood 2014): a bijective 64-bit mix, used to derive
/// well-separated seeds from (seed, stream, index).
inline std::uint64_t splitmix64_mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// xoshiro256** (Blackman and Vigna 2018): fast, 256-bit state, passes BigCrush. Seeded by
/// SplitMix64 from a (seed, stream, index) triple, so cell i of a run always gets the same stream.
class Xoshiro256 {
 public:
  using result_type = std::uint64_t;

  Xoshiro256(std::uint64_t seed, std::uint64_t stream, std::uint64_t index) {
    // Mix each coordinate separately before combining so nearby (seed, index) pairs do not
    // produce related states.
    std::uint64_t x = splitmix64_mix(seed + 0x9e3779b97f4a7c15ULL) ^
                      splitmix64_mix(stream * 0xd1b54a32d192ed03ULL + 0x632be59bd9b4e019ULL) ^
                      splitmix64_mix(index * 0x8cb92ba72f3d8dd7ULL + 0x2545f4914f6cdd1dULL);
    for (auto& s : s_) {
      x += 0x9e3779b97f4a7c15ULL;
      s = splitmix64_mix(x);
    }
  }

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type{0}; }

  result_type operator()() {
    const std::uint64_t result = std::rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = std::rotl(s_[3], 45);
    return result;
  }

  /// Uniform on [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }
  /// Uniform on (0, 1): safe to take the log of.
  double uniform_open() { return (static_cast<double>((*this)() >> 11) + 0.5) * 0x1.0p-53; }
  /// Uniform integer in [0, n), n >= 1 (Lemire's multiply-shift; bias at most n / 2^64).
  std::uint64_t below(std::uint64_t n) {
    __extension__ using U128 = unsigned __int128;  // GCC/Clang builtin; __extension__ for -Wpedantic
    return static_cast<std::uint64_t>((static_cast<U128>((*this)()) * n) >> 64);
  }

 private:
  std::array<std::uint64_t, 4> s_{};
};

/// Standard normal by the Marsaglia polar method (the second value is dropped: simplicity over
/// the few extra draws; normals are rare in the simulator's inner loop).
inline double sample_normal(Xoshiro256& rng) {
  for (;;) {
    const double u = 2.0 * rng.uniform() - 1.0;
    const double v = 2.0 * rng.uniform() - 1.0;
    const double s = u * u + v * v;
    if (s > 0.0 && s < 1.0) return u * std::sqrt(-2.0 * std::log(s) / s);
  }
}

/// log(k!) for k >= 0: exact sums below 64, Stirling's series beyond (error < 1e-13). Used instead
/// of std::lgamma, which writes the global signgam and so is not thread-safe in glibc.
inline double log_factorial(std::int64_t k) {
  if (k < 64) {
    double s = 0.0;
    for (std::int64_t i = 2; i <= k; ++i) s += std::log(static_cast<double>(i));
    return s;
  }
  const double n = static_cast<double>(k) + 1.0;  // log Gamma(n)
  const double r = 1.0 / n;
  const double r2 = r * r;
  return (n - 0.5) * std::log(n) - n + 0.5 * std::log(2.0 * std::numbers::pi) +
         r * (1.0 / 12.0 - r2 * (1.0 / 360.0 - r2 * (1.0 / 1260.0 - r2 / 1680.0)));
}

/// Poisson(mean), mean >= 0. Inversion by sequential search below 10; above, Hormann's transformed
/// rejection with squeeze (PTRS, 1993), which is exact and O(1) in the mean.
inline std::int64_t sample_poisson(Xoshiro256& rng, double mean) {
  if (!(mean > 0.0)) return 0;
  if (mean < 10.0) {
    const double p0 = std::exp(-mean);
    for (;;) {
      const double u = rng.uniform();
      double p = p0;
      double cdf = p0;
      std::int64_t x = 0;
      // Rounding can leave cdf a hair below u with p underflowed: then draw again (the mass
      // involved is below 1e-300).
      while (u >= cdf && p > 0.0) {
        ++x;
        p *= mean / static_cast<double>(x);
        cdf += p;
      }
      if (u < cdf) return x;
    }
  }
  const double slam = std::sqrt(mean);
  const double loglam = std::log(mean);
  const double b = 0.931 + 2.53 * slam;
  const double a = -0.059 + 0.02483 * b;
  const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
  const double vr = 0.9277 - 3.6224 / (b - 2.0);
  for (;;) {
    const double u = rng.uniform() - 0.5;
    const double v = rng.uniform_open();
    const double us = 0.5 - std::fabs(u);
    const double kf = std::floor((2.0 * a / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return static_cast<std::int64_t>(kf);
    if (kf < 0.0 || (us < 0.013 && v > us)) continue;
    const auto k = static_cast<std::int64_t>(kf);
    if (std::log(v) + std::log(inv_alpha) - std::log(a / (us * us) + b) <=
        -mean + kf * loglam - log_factorial(k))
      return k;
  }
}

/// Gamma(shape, 1), shape > 0: Marsaglia and Tsang (2000) for shape >= 1; below 1, the boost
/// Gamma(shape + 1) * U^(1/shape).
inline double sample_gamma(Xoshiro256& rng, double shape) {
  if (shape < 1.0) return sample_gamma(rng, shape + 1.0) * std::pow(rng.uniform_open(), 1.0 / shape);
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x = 0.0;
    double v = 0.0;
    do {
      x = sample_normal(rng);
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = rng.uniform_open();
    const double x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2) return d * v;
    if (std::log(u) < 0.5 * x2 + d * (1.0 - v + std::log(v))) return d * v;
  }
}

/// Logarithmic (log-series) distribution on {1, 2, ...} with parameter p in (0, 1):
/// P(k) = -p^k / (k log(1 - p)). Kemp's (1981) algorithm LK, exact. log1mp = log(1 - p) is passed
/// in because callers already have it.
inline std::int64_t sample_logarithmic(Xoshiro256& rng, double p, double log1mp) {
  for (;;) {
    const double v = rng.uniform_open();
    if (v >= p) return 1;
    const double q = -std::expm1(log1mp * rng.uniform_open());
    if (v <= q * q) {
      const double k = std::floor(1.0 + std::log(v) / std::log(q));
      if (k >= 1.0 && k < 9.0e18) return static_cast<std::int64_t>(k);
      continue;  // q rounded to 0 or 1: draw again
    }
    return v >= q ? 1 : 2;
  }
}

/// Negative binomial with size k > 0 and mean m >= 0 (variance m + m^2/k), as a compound Poisson
/// sum of logarithmic variables: N ~ Poisson(k log(1 + m/k)), X = L_1 + ... + L_N with
/// L ~ Logarithmic(m / (k + m)). Exact, and cheap when m is small (N is then mostly 0), which is
/// the usual case for single-cell counts.
inline std::int64_t sample_negative_binomial(Xoshiro256& rng, double size, double mean) {
  if (!(mean > 0.0)) return 0;
  const double x = mean / size;
  const double log1px = std::log1p(x);
  std::int64_t n = sample_poisson(rng, size * log1px);
  std::int64_t total = 0;
  const double p = x / (1.0 + x);
  for (; n > 0; --n) total += sample_logarithmic(rng, p, -log1px);
  return total;
}

/// Negative binomial as the textbook gamma-Poisson mixture: Poisson(Gamma(k, m/k)). Kept as an
/// independent reference for the tests of the compound sampler above.
inline std::int64_t sample_negative_binomial_gamma_poisson(Xoshiro256& rng, double size,
                                                           double mean) {
  if (!(mean > 0.0)) return 0;
  return sample_poisson(rng, sample_gamma(rng, size) * (mean / size));
}

}  // namespace flashmm::detail
