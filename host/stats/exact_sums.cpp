// ExactSums (flashmm/exact_sums.hpp): order-independent sums of doubles on integer limbs.
#include <flashmm/error.hpp>
#include <flashmm/exact_sums.hpp>

#include <bit>
#include <cmath>
#include <string>

namespace flashmm {

namespace {

constexpr int K = ExactSums::kLimbs;
// Digit j holds bits [32 j, 32 j + 32) of a number's position counted from 2^-1074 (the least
// subnormal), so doubles reach digits 0 .. 65.
constexpr int kMaxDigit = 65;
constexpr int kBitOfDigitZero = -1074;
constexpr std::uint64_t kDigitMask = 0xffffffffu;

// A finite nonzero x as |x| = sum_k digit[k] 2^(32 (first + k) - 1074), k < 3; returns the
// highest digit index with a nonzero digit.
int split(double x, int& first, std::int64_t digit[3], bool& negative) {
  const auto bits = std::bit_cast<std::uint64_t>(x);
  negative = (bits >> 63) != 0;
  const int exponent = static_cast<int>((bits >> 52) & 0x7ff);
  std::uint64_t mantissa = bits & ((std::uint64_t{1} << 52) - 1);
  int position = 0;  // of the mantissa's lowest bit
  if (exponent != 0) {
    mantissa |= std::uint64_t{1} << 52;
    position = exponent - 1;
  }
  first = position >> 5;
  const int shift = position & 31;
  const std::uint64_t low = mantissa << shift;                        // the lowest 64 bits
  const std::uint64_t high = shift == 0 ? 0 : mantissa >> (64 - shift);  // < 2^21
  digit[0] = static_cast<std::int64_t>(low & kDigitMask);
  digit[1] = static_cast<std::int64_t>(low >> 32);
  digit[2] = static_cast<std::int64_t>(high);
  return first + (digit[2] != 0 ? 2 : digit[1] != 0 ? 1 : 0);
}

}  // namespace

// The limbs value-initialised (no pass over their pages: ZeroedAllocator); the tops written.
ExactSums::ExactSums(std::size_t size) : limbs_(size * K), top_(size, -1) {}

void ExactSums::shift_to(std::size_t i, int new_top) {
  std::int64_t* l = limbs_.data() + i * K;
  const int old_top = top_[i];
  top_[i] = static_cast<std::int16_t>(new_top);
  if (old_top < 0) return;  // no terms yet: limbs are zero
  const int shift = new_top - old_top;
  for (int s = 0; s < K; ++s) l[s] = s + shift < K ? l[s + shift] : 0;
}

void ExactSums::add(std::size_t i, double x) {
  if (x == 0.0) return;
  if (!std::isfinite(x)) {
    if (nonfinite_.empty()) nonfinite_.assign(size(), 0.0);
    nonfinite_[i] += x;
    return;
  }
  int first = 0;
  std::int64_t digit[3];
  bool negative = false;
  const int highest = split(x, first, digit, negative);
  if (highest > top_[i]) shift_to(i, highest);
  const int base = top_[i] - K + 1;
  std::int64_t* l = limbs_.data() + i * K;
  for (int k = 0; k < 3; ++k) {
    const int j = first + k;
    if (j >= base && j <= top_[i]) l[j - base] += negative ? -digit[k] : digit[k];
  }
}

void ExactSums::add(std::size_t offset, const double* x, std::size_t n) {
  for (std::size_t k = 0; k < n; ++k) add(offset + k, x[k]);
}

void ExactSums::merge(const ExactSums& other) {
  if (other.size() != size())
    throw InputError("cannot add exact sums of " + std::to_string(other.size()) + " elements to " +
                     std::to_string(size()));
  for (std::size_t i = 0; i < size(); ++i) {
    const int other_top = other.top_[i];
    if (other_top < 0) continue;
    if (other_top > top_[i]) shift_to(i, other_top);
    const int base = top_[i] - K + 1, other_base = other_top - K + 1;
    std::int64_t* l = limbs_.data() + i * K;
    const std::int64_t* o = other.limbs_.data() + i * K;
    for (int s = 0; s < K; ++s)
      if (other_base + s >= base) l[other_base + s - base] += o[s];
  }
  if (!other.nonfinite_.empty()) {
    if (nonfinite_.empty()) nonfinite_.assign(size(), 0.0);
    for (std::size_t i = 0; i < size(); ++i) nonfinite_[i] += other.nonfinite_[i];
  }
}

double ExactSums::value(std::size_t i) const {
  if (!nonfinite_.empty() && nonfinite_[i] != 0.0) return nonfinite_[i];
  const int top = top_[i];
  if (top < 0) return 0.0;
  // Normalise a copy: digits 0..K-1 in [0, 2^32), digit K signed; then sign and magnitude.
  std::int64_t d[K + 1];
  for (int s = 0; s < K; ++s) d[s] = limbs_[i * K + static_cast<std::size_t>(s)];
  d[K] = 0;
  auto carry = [&d] {
    for (int s = 0; s < K; ++s) {
      const std::int64_t c = d[s] >> 32;  // floor division (arithmetic shift)
      d[s] -= c * (std::int64_t{1} << 32);
      d[s + 1] += c;
    }
  };
  carry();
  double sign = 1.0;
  if (d[K] < 0) {
    for (auto& v : d) v = -v;
    carry();
    sign = -1.0;
  }
  // Highest digit first: exact terms, rounded once per addition (at most one ulp in all).
  const int base = top - K + 1;
  double r = 0.0;
  for (int s = K; s >= 0; --s)
    if (d[s] != 0) r += std::ldexp(static_cast<double>(d[s]), 32 * (base + s) + kBitOfDigitZero);
  return sign * r;
}

void ExactSums::round(std::size_t offset, double* out, std::size_t n) const {
  for (std::size_t k = 0; k < n; ++k) out[k] = value(offset + k);
}

ExactSums ExactSums::from_parts(std::span<const std::int64_t> limbs, std::vector<std::int16_t> top) {
  if (limbs.size() != top.size() * K)
    throw InputError("exact sums: " + std::to_string(limbs.size()) + " limbs for " + std::to_string(top.size()) +
                     " elements, expected " + std::to_string(K) + " per element");
  for (std::size_t i = 0; i < top.size(); ++i) {
    if (top[i] < -1 || top[i] > kMaxDigit)
      throw InputError("exact sums: element " + std::to_string(i) + " has a top digit " + std::to_string(top[i]) +
                       " outside [-1, " + std::to_string(kMaxDigit) + "]");
    if (top[i] < 0)
      for (int s = 0; s < K; ++s)
        if (limbs[i * K + static_cast<std::size_t>(s)] != 0)
          throw InputError("exact sums: element " + std::to_string(i) + " has digits but no top");
  }
  ExactSums e;
  e.limbs_.assign(limbs.begin(), limbs.end());
  e.top_ = std::move(top);
  return e;
}

}  // namespace flashmm
