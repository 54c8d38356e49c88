#include "dist/design_agreement.hpp"

#include <flashmm/error.hpp>

#include "dist/agreement.hpp"
#include "dist/communicator.hpp"

namespace flashmm::dist {

namespace {

struct Fnv {
  std::uint64_t h = 1469598103934665603ull;
  void bytes(const void* p, std::size_t n) {
    const auto* c = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) h = (h ^ c[i]) * 1099511628211ull;
  }
  void names(const std::vector<std::string>& v) {
    const std::uint64_t n = v.size();
    bytes(&n, sizeof n);
    for (const auto& s : v) bytes(s.c_str(), s.size() + 1);
  }
  template <class T>
  void numbers(const std::vector<T>& v) {
    const std::uint64_t n = v.size();
    bytes(&n, sizeof n);
    bytes(v.data(), v.size() * sizeof(T));
  }
};

}  // namespace

std::uint64_t design_fingerprint(const DesignBuilder& design, const std::vector<std::string>& genes) {
  Fnv f;
  f.names(design.fixed_names());
  f.names(design.random_names());
  f.names(design.component_names());
  f.numbers(design.d());
  f.numbers(design.used_cells());
  f.names(genes);
  return f.h;
}

void agree_on_design(const DesignBuilder& design, const std::vector<std::string>& genes) {
  const Communicator& w = world();
  if (!w.distributed()) return;
  checkpoint();
  // As signed numbers for the reduction; equal fingerprints give equal numbers.
  const auto mine = static_cast<std::int64_t>(design_fingerprint(design, genes));
  if (w.min(mine) != w.max(mine))
    throw InputError("the ranks built different models from the same options (different columns, cells or genes): "
                     "every rank must read the same input and metadata files (on storage all nodes share)");
}

}  // namespace flashmm::dist
