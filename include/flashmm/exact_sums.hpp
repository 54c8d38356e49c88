#pragma once
// Sums of doubles that do not depend on the order or grouping of the additions: the totals of
// the summary statistics (ALGORITHM.md section 2, "Determinism"), so that shards of cells merge
// to the bits of one stream.
//
// Each element keeps the exact integer sum of its terms' bits in a window of kLimbs 32-bit
// digits at fixed binary positions (multiples of 32 in the exponent), ending at the highest digit
// any term reached. A term is split into at most three digits, each added to an int64 limb, so
// every limb is the sum of the terms' digits at its position whatever the order in which they
// came, and the window's top is the maximum over the terms: both, and so the rounded value,
// depend only on the multiset of terms. Digits below the window are dropped: at most 2^-95
// relative to the largest term, per term, far below the rounding of one double. Limbs hold sums
// of up to 2^31 terms without overflow.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <span>
#include <utility>
#include <vector>

namespace flashmm {

namespace detail {
/// The allocator of a vector sized once whose elements start at zero: its memory comes from
/// calloc, and value-initialising an element writes nothing. So a large vector costs no pass over
/// its pages at construction: the kernel hands them out zeroed where they are first touched, on
/// whichever thread adds there (the exact sums of 20,000 genes x q = 1,000 are 650 MB). Not for
/// vectors that shrink and grow again (their reused elements would keep their old values).
template <class T>
struct ZeroedAllocator {
  using value_type = T;
  ZeroedAllocator() = default;
  template <class U>
  ZeroedAllocator(const ZeroedAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    void* p = std::calloc(n, sizeof(T));
    if (p == nullptr && n > 0) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t) noexcept { std::free(p); }
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;  // default-initialised: calloc's zeros stay
  }
  template <class U, class... A>
  void construct(U* p, A&&... a) {
    ::new (static_cast<void*>(p)) U(std::forward<A>(a)...);
  }
  friend bool operator==(const ZeroedAllocator&, const ZeroedAllocator&) { return true; }
};
}  // namespace detail

class ExactSums {
 public:
  static constexpr int kLimbs = 4;

  ExactSums() = default;
  /// `size` elements, all zero.
  explicit ExactSums(std::size_t size);

  std::size_t size() const { return top_.size(); }
  bool empty() const { return top_.empty(); }

  /// Element i += x exactly (to the window). A non-finite x makes the element non-finite.
  void add(std::size_t i, double x);
  /// Elements [offset, offset + n) += x[0..n).
  void add(std::size_t offset, const double* x, std::size_t n);
  /// Every element += the same element of `other` (same size; InputError otherwise).
  void merge(const ExactSums& other);

  /// Element i rounded to a double (within one unit in the last place of the exact sum).
  double value(std::size_t i) const;
  /// out[k] = value(offset + k), k < n.
  void round(std::size_t offset, double* out, std::size_t n) const;

  /// The stored form, for files: limbs (size x kLimbs, element-major, lowest digit first) and
  /// top (size: the position of the highest limb, -1 for an element without terms). Elements
  /// with a non-finite term are not representable (stats files hold finite totals only).
  using Limbs = std::vector<std::int64_t, detail::ZeroedAllocator<std::int64_t>>;
  const Limbs& limbs() const { return limbs_; }
  const std::vector<std::int16_t>& tops() const { return top_; }
  /// Rebuilds from the stored form; InputError when the arrays do not fit together.
  static ExactSums from_parts(std::span<const std::int64_t> limbs, std::vector<std::int16_t> top);
  /// Whether every element is finite.
  bool all_finite() const { return nonfinite_.empty(); }

 private:
  void shift_to(std::size_t i, int new_top);
  Limbs limbs_;                       // size * kLimbs
  std::vector<std::int16_t> top_;     // size
  std::vector<double> nonfinite_;     // empty, or size: the sum of the element's non-finite terms
};

}  // namespace flashmm
