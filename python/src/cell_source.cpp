#include "cell_source.hpp"

#include <flashmm/error.hpp>

#include <algorithm>
#include <cstring>
#include <limits>
#include <numeric>
#include <type_traits>

namespace flashmm::python {

namespace {

// ---- value types -----------------------------------------------------------------------------

enum class Dtype { f32, f64, i32, i64, i8, i16, u8, u16, u32, u64, b1 };

Dtype dtype_of(const py::array& a, const std::string& what) {
  const py::dtype dt = a.dtype();
  const char kind = dt.kind();
  const auto size = dt.itemsize();
  if (kind == 'f' && size == 4) return Dtype::f32;
  if (kind == 'f' && size == 8) return Dtype::f64;
  if (kind == 'i' && size == 1) return Dtype::i8;
  if (kind == 'i' && size == 2) return Dtype::i16;
  if (kind == 'i' && size == 4) return Dtype::i32;
  if (kind == 'i' && size == 8) return Dtype::i64;
  if (kind == 'u' && size == 1) return Dtype::u8;
  if (kind == 'u' && size == 2) return Dtype::u16;
  if (kind == 'u' && size == 4) return Dtype::u32;
  if (kind == 'u' && size == 8) return Dtype::u64;
  if (kind == 'b' && size == 1) return Dtype::b1;
  throw InputError(what + " holds values of dtype " + dt.attr("name").cast<std::string>() +
                   "; give counts as float32, float64 or an integer type (e.g. X.astype(numpy.float32))");
}

/// Calls f(T{}) with the C++ type stored for dt.
template <class F>
void with_type(Dtype dt, F&& f) {
  switch (dt) {
    case Dtype::f32: return f(float{});
    case Dtype::f64: return f(double{});
    case Dtype::i8: return f(std::int8_t{});
    case Dtype::i16: return f(std::int16_t{});
    case Dtype::i32: return f(std::int32_t{});
    case Dtype::i64: return f(std::int64_t{});
    case Dtype::u8: return f(std::uint8_t{});
    case Dtype::u16: return f(std::uint16_t{});
    case Dtype::u32: return f(std::uint32_t{});
    case Dtype::u64: return f(std::uint64_t{});
    case Dtype::b1: return f(bool{});
  }
}

/// The type a stored type is handed to the accumulator as: itself when the accumulator takes it,
/// else double (exact for every integer count below 2^53).
template <class T>
using ViewType = std::conditional_t<std::is_same_v<T, float> || std::is_same_v<T, double> ||
                                        std::is_same_v<T, std::int32_t> || std::is_same_v<T, std::int64_t>,
                                    T, double>;

template <class T>
CsrView<T> make_view(Index rows, Index cols, std::span<const std::int64_t> indptr, std::span<const std::int32_t> indices,
                     std::span<const T> values) {
  CsrView<T> v;
  v.rows = rows;
  v.cols = cols;
  v.indptr = indptr;
  v.indices = indices;
  v.values = values;
  return v;
}

// ---- canonical blocks: gene indices ascending and distinct within each cell ---------------------

template <class T>
bool is_canonical(const CsrView<T>& v) {
  for (Index r = 0; r < v.rows; ++r)
    for (auto e = v.indptr[static_cast<std::size_t>(r)] + 1; e < v.indptr[static_cast<std::size_t>(r) + 1]; ++e)
      if (v.indices[static_cast<std::size_t>(e)] <= v.indices[static_cast<std::size_t>(e - 1)]) return false;
  return true;
}

/// The block with each cell's entries sorted by gene (stable) and repeated genes summed in stored
/// order, in double, into the buffers.
struct CanonicalBlock {
  std::vector<std::int64_t> indptr;
  std::vector<std::int32_t> indices;
  std::vector<double> values;
  std::vector<std::pair<std::int32_t, double>> row;

  template <class T>
  CsrView<double> make(const CsrView<T>& v) {
    indptr.assign(1, 0);
    indices.clear();
    values.clear();
    for (Index r = 0; r < v.rows; ++r) {
      row.clear();
      for (auto e = v.indptr[static_cast<std::size_t>(r)]; e < v.indptr[static_cast<std::size_t>(r) + 1]; ++e)
        row.emplace_back(v.indices[static_cast<std::size_t>(e)], static_cast<double>(v.values[static_cast<std::size_t>(e)]));
      std::stable_sort(row.begin(), row.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      for (std::size_t k = 0; k < row.size(); ++k) {
        if (k > 0 && row[k].first == row[k - 1].first) {
          values.back() += row[k].second;
        } else {
          indices.push_back(row[k].first);
          values.push_back(row[k].second);
        }
      }
      indptr.push_back(static_cast<std::int64_t>(values.size()));
    }
    return make_view<double>(v.rows, v.cols, indptr, indices, values);
  }
};

template <class T>
bool visit_canonical(Index first, const CsrView<T>& v, CanonicalBlock& canon,
                     const std::function<bool(Index, const ChunkView&)>& visit) {
  if (is_canonical(v)) return visit(first, ChunkView{v});
  return visit(first, ChunkView{canon.make(v)});
}

std::int64_t index_at(const void* p, bool wide, Index i) {
  return wide ? static_cast<const std::int64_t*>(p)[i] : static_cast<const std::int32_t*>(p)[i];
}

bool wide_index(const py::array& a, const std::string& what, const char* name) {
  const py::dtype dt = a.dtype();
  if (dt.kind() == 'i' && dt.itemsize() == 4) return false;
  if (dt.kind() == 'i' && dt.itemsize() == 8) return true;
  throw InputError(what + ": " + name + " has dtype " + dt.attr("name").cast<std::string>() + "; scipy.sparse uses int32 or int64");
}

void check_1d(const py::array& a, const std::string& what, const char* name) {
  if (a.ndim() != 1 || !(a.flags() & py::array::c_style))
    throw InputError(what + ": " + name + " must be a contiguous 1-D array");
}

/// Checks indptr (major + 1 entries, from >= 0, never decreasing, ending within the entries).
void check_indptr(const void* p, bool wide, Index major, Index entries, const std::string& what) {
  if (index_at(p, wide, 0) < 0) throw InputError(what + ": indptr starts below 0");
  for (Index m = 0; m < major; ++m)
    if (index_at(p, wide, m + 1) < index_at(p, wide, m))
      throw InputError(what + ": indptr decreases at " + std::to_string(m) + "; the sparse matrix is corrupt");
  if (index_at(p, wide, major) > entries)
    throw InputError(what + ": indptr ends at " + std::to_string(index_at(p, wide, major)) + " but there are only " +
                     std::to_string(entries) + " stored entries");
}

// ---- the in-memory layouts ---------------------------------------------------------------------

class CompressedBase : public CellSource {
 public:
  explicit CompressedBase(CompressedArrays a, bool cell_major) : a_(std::move(a)) {
    check_1d(a_.indptr, a_.what, "indptr");
    check_1d(a_.indices, a_.what, "indices");
    check_1d(a_.data, a_.what, "data");
    indptr_wide_ = wide_index(a_.indptr, a_.what, "indptr");
    indices_wide_ = wide_index(a_.indices, a_.what, "indices");
    dtype_ = dtype_of(a_.data, a_.what);
    const Index major = cell_major ? a_.n_cells : a_.n_genes;
    if (a_.indptr.size() != major + 1)
      throw InputError(a_.what + ": indptr has " + std::to_string(a_.indptr.size()) + " entries, expected " +
                       std::to_string(major + 1));
    if (a_.indices.size() != a_.data.size())
      throw InputError(a_.what + ": indices and data differ in length");
    check_indptr(a_.indptr.data(), indptr_wide_, major, static_cast<Index>(a_.data.size()), a_.what);
  }
  Index n_cells() const override { return a_.n_cells; }
  Index n_genes() const override { return a_.n_genes; }
  std::string what() const override { return a_.what; }

 protected:
  std::int64_t ptr(Index m) const { return index_at(a_.indptr.data(), indptr_wide_, m); }
  std::int64_t idx(Index e) const { return index_at(a_.indices.data(), indices_wide_, e); }

  CompressedArrays a_;
  bool indptr_wide_ = false, indices_wide_ = false;
  Dtype dtype_ = Dtype::f32;
  std::vector<std::int64_t> indptr_;
  std::vector<std::int32_t> indices_;
  CanonicalBlock canon_;
};

class CsrSource final : public CompressedBase {
 public:
  explicit CsrSource(CompressedArrays a) : CompressedBase(std::move(a), true) {}

  void for_each_chunk(Index max_cells, const std::function<bool(Index, const ChunkView&)>& visit) override {
    with_type(dtype_, [&](auto stored) {
      using T = decltype(stored);
      using V = ViewType<T>;
      std::vector<V> converted;
      const T* data = static_cast<const T*>(a_.data.data());
      for (Index c0 = 0; c0 < a_.n_cells; c0 += max_cells) {
        const Index c1 = std::min(a_.n_cells, c0 + max_cells);
        const std::int64_t e0 = ptr(c0), e1 = ptr(c1);
        const auto n = static_cast<std::size_t>(e1 - e0);
        indptr_.resize(static_cast<std::size_t>(c1 - c0) + 1);
        for (Index c = c0; c <= c1; ++c) indptr_[static_cast<std::size_t>(c - c0)] = ptr(c) - e0;
        std::span<const std::int32_t> indices;
        if (indices_wide_) {
          indices_.resize(n);
          for (std::size_t k = 0; k < n; ++k) {
            const std::int64_t g = idx(e0 + static_cast<Index>(k));
            if (g < 0 || g >= a_.n_genes)
              throw InputError(a_.what + ": gene index " + std::to_string(g) + " of cell " +
                               std::to_string(c0 + 1) + ".." + std::to_string(c1) + " is outside [0, " +
                               std::to_string(a_.n_genes) + ")");
            indices_[k] = static_cast<std::int32_t>(g);
          }
          indices = indices_;
        } else {
          indices = {static_cast<const std::int32_t*>(a_.indices.data()) + e0, n};
        }
        std::span<const V> values;
        if constexpr (std::is_same_v<T, V>) {
          values = {data + e0, n};
        } else {
          converted.assign(data + e0, data + e1);
          values = converted;
        }
        if (!visit_canonical(c0, make_view<V>(c1 - c0, a_.n_genes, indptr_, indices, values), canon_, visit)) return;
      }
    });
  }
};

class CscSource final : public CompressedBase {
 public:
  explicit CscSource(CompressedArrays a) : CompressedBase(std::move(a), false) {}

  void for_each_chunk(Index max_cells, const std::function<bool(Index, const ChunkView&)>& visit) override {
    with_type(dtype_, [&](auto stored) {
      using T = decltype(stored);
      using V = ViewType<T>;
      const T* data = static_cast<const T*>(a_.data.data());
      const auto G = static_cast<std::size_t>(a_.n_genes);
      std::vector<std::int64_t> cursor(G), next(G), fill;
      std::vector<V> values;
      for (std::size_t g = 0; g < G; ++g) cursor[g] = ptr(static_cast<Index>(g));
      for (Index c0 = 0; c0 < a_.n_cells; c0 += max_cells) {
        const Index c1 = std::min(a_.n_cells, c0 + max_cells);
        const auto rows = static_cast<std::size_t>(c1 - c0);
        // Pass 1: each gene's entries in cells [c0, c1) (its column is sorted by cell), counted per cell.
        indptr_.assign(rows + 1, 0);
        for (std::size_t g = 0; g < G; ++g) {
          const std::int64_t end = ptr(static_cast<Index>(g) + 1);
          std::int64_t e = cursor[g];
          for (; e < end; ++e) {
            const std::int64_t c = idx(e);
            if (c >= c1) break;
            if (c < c0) unsorted(g, c);
            ++indptr_[static_cast<std::size_t>(c - c0) + 1];
          }
          next[g] = e;
        }
        std::partial_sum(indptr_.begin(), indptr_.end(), indptr_.begin());
        // Pass 2: scatter by cell; genes come in ascending order within each cell.
        fill.assign(indptr_.begin(), indptr_.end() - 1);
        indices_.resize(static_cast<std::size_t>(indptr_.back()));
        values.resize(indices_.size());
        for (std::size_t g = 0; g < G; ++g) {
          for (std::int64_t e = cursor[g]; e < next[g]; ++e) {
            const auto dst = static_cast<std::size_t>(fill[static_cast<std::size_t>(idx(e) - c0)]++);
            indices_[dst] = static_cast<std::int32_t>(g);
            values[dst] = static_cast<V>(data[e]);
          }
          cursor[g] = next[g];
        }
        if (!visit_canonical(c0, make_view<V>(c1 - c0, a_.n_genes, indptr_, indices_, values), canon_, visit)) return;
      }
      for (std::size_t g = 0; g < G; ++g)
        if (cursor[g] != ptr(static_cast<Index>(g) + 1)) unsorted(g, idx(cursor[g]));
    });
  }

 private:
  [[noreturn]] void unsorted(std::size_t gene, std::int64_t cell) const {
    if (cell < 0 || cell >= a_.n_cells)
      throw InputError(a_.what + ": cell index " + std::to_string(cell) + " of gene " + std::to_string(gene + 1) +
                       " is outside [0, " + std::to_string(a_.n_cells) + ")");
    throw InputError(a_.what + ": the CSC matrix's cell indices are not sorted within gene " +
                     std::to_string(gene + 1) + "; sort them first (X.sort_indices())");
  }
};

class DenseSource final : public CellSource {
 public:
  DenseSource(py::array values, std::string what) : values_(std::move(values)), what_(std::move(what)) {
    if (values_.ndim() != 2) throw InputError(what_ + " must be a 2-D array (cells x genes)");
    dtype_ = dtype_of(values_, what_);
    n_cells_ = values_.shape(0);
    n_genes_ = values_.shape(1);
    if (n_genes_ > std::numeric_limits<std::int32_t>::max()) throw InputError(what_ + " has too many genes");
  }
  Index n_cells() const override { return n_cells_; }
  Index n_genes() const override { return n_genes_; }
  std::string what() const override { return what_; }

  void for_each_chunk(Index max_cells, const std::function<bool(Index, const ChunkView&)>& visit) override {
    with_type(dtype_, [&](auto stored) {
      using T = decltype(stored);
      using V = ViewType<T>;
      const auto* base = static_cast<const char*>(values_.data());
      const auto s0 = values_.strides(0), s1 = values_.strides(1);
      std::vector<V> values;
      for (Index c0 = 0; c0 < n_cells_; c0 += max_cells) {
        const Index c1 = std::min(n_cells_, c0 + max_cells);
        indptr_.assign(1, 0);
        indices_.clear();
        values.clear();
        for (Index c = c0; c < c1; ++c) {
          const char* row = base + c * s0;
          for (Index g = 0; g < n_genes_; ++g) {
            T v;
            std::memcpy(&v, row + g * s1, sizeof(T));
            if (v == T{}) continue;  // zeros are not stored (NaN is kept, and refused by the accumulator)
            indices_.push_back(static_cast<std::int32_t>(g));
            values.push_back(static_cast<V>(v));
          }
          indptr_.push_back(static_cast<std::int64_t>(values.size()));
        }
        if (!visit(c0, ChunkView{make_view<V>(c1 - c0, n_genes_, indptr_, indices_, values)})) return;
      }
    });
  }

 private:
  py::array values_;
  std::string what_;
  Dtype dtype_ = Dtype::f32;
  Index n_cells_ = 0, n_genes_ = 0;
  std::vector<std::int64_t> indptr_;
  std::vector<std::int32_t> indices_;
};

}  // namespace

std::unique_ptr<CellSource> csr_source(CompressedArrays arrays) { return std::make_unique<CsrSource>(std::move(arrays)); }
std::unique_ptr<CellSource> csc_source(CompressedArrays arrays) { return std::make_unique<CscSource>(std::move(arrays)); }
std::unique_ptr<CellSource> dense_source(py::array values, std::string what) {
  return std::make_unique<DenseSource>(std::move(values), std::move(what));
}

FileSource::FileSource(const std::string& path, const io::ReaderOptions& options)
    : path_(path), reader_(io::open_matrix(path, options)) {}

void FileSource::for_each_chunk(Index max_cells, const std::function<bool(Index, const ChunkView&)>& visit) {
  reader_->rewind();
  while (reader_->next_chunk(chunk_, max_cells))
    if (!visit(chunk_.first_cell, ChunkView{chunk_.view(reader_->n_genes())})) break;
}

void cell_totals(CellSource& source, Index max_cells, std::vector<double>& libsize, std::vector<double>& nfeatures) {
  const auto n = static_cast<std::size_t>(source.n_cells());
  libsize.assign(n, 0.0);
  nfeatures.assign(n, 0.0);
  source.for_each_chunk(max_cells, [&](Index first, const ChunkView& block) {
    std::visit(
        [&](const auto& v) {
          for (Index c = 0; c < v.rows; ++c) {
            double s = 0, nz = 0;
            for (auto e = v.indptr[static_cast<std::size_t>(c)]; e < v.indptr[static_cast<std::size_t>(c) + 1]; ++e) {
              const auto x = static_cast<double>(v.values[static_cast<std::size_t>(e)]);
              s += x;
              nz += x != 0;  // stored zeros are not features
            }
            libsize[static_cast<std::size_t>(first + c)] = s;
            nfeatures[static_cast<std::size_t>(first + c)] = nz;
          }
        },
        block);
    return true;
  });
}

}  // namespace flashmm::python
