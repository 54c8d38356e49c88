#include "dist/stats_reduction.hpp"

#include <flashmm/error.hpp>

#include "dist/agreement.hpp"
#include "dist/communicator.hpp"

#include <cstdio>
#include <cstring>

#ifdef FLASHMM_WITH_MPI
#include <mpi.h>
#endif

namespace flashmm::dist {

namespace {

#ifdef FLASHMM_WITH_MPI
// One total on the wire: its kLimbs digits, then its window's position (top; -1: no terms).
constexpr int kWords = ExactSums::kLimbs + 1;

std::vector<std::int64_t> pack(const ExactSums& e) {
  std::vector<std::int64_t> out(e.size() * kWords);
  for (std::size_t i = 0; i < e.size(); ++i) {
    for (int s = 0; s < ExactSums::kLimbs; ++s) out[i * kWords + s] = e.limbs()[i * ExactSums::kLimbs + s];
    out[i * kWords + ExactSums::kLimbs] = e.tops()[i];
  }
  return out;
}

ExactSums unpack(const std::int64_t* words, std::size_t n) {
  std::vector<std::int64_t> limbs(n * ExactSums::kLimbs);
  std::vector<std::int16_t> tops(n);
  for (std::size_t i = 0; i < n; ++i) {
    for (int s = 0; s < ExactSums::kLimbs; ++s) limbs[i * ExactSums::kLimbs + s] = words[i * kWords + s];
    tops[i] = static_cast<std::int16_t>(words[i * kWords + ExactSums::kLimbs]);
  }
  return ExactSums::from_parts(limbs, std::move(tops));
}

// The reduction's operator: inout += in, element by element, as ExactSums::merge adds shards.
void merge_op(void* in, void* inout, int* len, MPI_Datatype*) {
  try {
    const auto n = static_cast<std::size_t>(*len);
    ExactSums sum = unpack(static_cast<const std::int64_t*>(inout), n);
    sum.merge(unpack(static_cast<const std::int64_t*>(in), n));
    const std::vector<std::int64_t> words = pack(sum);
    std::memcpy(inout, words.data(), words.size() * sizeof(std::int64_t));
  } catch (const std::exception& e) {
    // Only a bug gets here (the digits are checked before they are sent).
    std::fprintf(stderr, "error: internal error (please report it): combining the summary statistics: %s\n", e.what());
    MPI_Abort(MPI_COMM_WORLD, 3);
  }
}
#endif

}  // namespace

void combine_stats(SummaryStats& stats) {
  const Communicator& w = world();
  if (!w.distributed()) return;
  const bool exact = !stats.exact.empty() && stats.exact.size() == stats.total_size() && stats.exact.all_finite();
  checkpoint();
  if (w.min(exact ? 1 : 0) == 0)
    throw InputError("the summary statistics of a rank have no exact sums, so the ranks' statistics cannot be "
                     "combined exactly (internal: please report it)");
  std::vector<std::int64_t> counts(static_cast<std::size_t>(stats.genes()) + 1);
  counts[0] = stats.n;
  for (Index g = 0; g < stats.genes(); ++g) counts[static_cast<std::size_t>(g) + 1] = stats.nnz(g);
  w.sum(counts);
#ifdef FLASHMM_WITH_MPI
  std::vector<std::int64_t> words = pack(stats.exact);
  MPI_Datatype total;
  MPI_Type_contiguous(kWords, MPI_INT64_T, &total);
  MPI_Type_commit(&total);
  MPI_Op op;
  MPI_Op_create(&merge_op, 1, &op);
  // In pieces: MPI counts are ints, and each piece is a whole number of totals.
  constexpr std::size_t kPiece = std::size_t{1} << 24;
  for (std::size_t at = 0; at < stats.exact.size(); at += kPiece) {
    const std::size_t n = std::min(kPiece, stats.exact.size() - at);
    MPI_Allreduce(MPI_IN_PLACE, words.data() + at * kWords, static_cast<int>(n), total, op, MPI_COMM_WORLD);
  }
  MPI_Op_free(&op);
  MPI_Type_free(&total);
  stats.exact = unpack(words.data(), stats.exact.size());
#endif
  stats.n = counts[0];
  for (Index g = 0; g < stats.genes(); ++g) stats.nnz(g) = counts[static_cast<std::size_t>(g) + 1];
  stats.round_exact();
}

}  // namespace flashmm::dist
