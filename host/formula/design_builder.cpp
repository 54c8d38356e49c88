#include <flashmm/error.hpp>
#include <flashmm/formula.hpp>

#include "formula/model_matrix.hpp"
#include "formula/terms.hpp"
#include "formula/variables.hpp"

#include <algorithm>
#include <map>

namespace flashmm {

using detail::formula::DesignSpec;
using detail::formula::EvaluatedVariable;
using detail::formula::ParsedFormula;

FormulaTerms parse_formula(const std::string& formula) {
  const ParsedFormula f = detail::formula::parse_terms(formula);
  FormulaTerms out;
  out.intercept = f.intercept;
  for (const auto& v : f.variables) out.variables.push_back(v.label);
  out.term_labels = f.term_labels;
  return out;
}

struct DesignBuilder::Impl {
  std::vector<ParsedFormula> formulas;  // [0] fixed, then one per random component
  // Variables are shared between formulas by label; std::map keeps their addresses stable.
  std::map<std::string, EvaluatedVariable> variables;
  std::vector<DesignSpec> specs;
  std::vector<Index> random_offsets;  // first Z column of each component
  std::vector<std::string> fixed_names, random_names, component_names, warnings;
  std::vector<Index> used;
  Index n_rows = 0;  // metadata rows the design was built from
  Index q = 0;
};

DesignBuilder::DesignBuilder(const Metadata& md, std::string fixed_formula, std::vector<std::string> random_formulas)
    : impl_(std::make_unique<Impl>()) {
  Impl& im = *impl_;
  im.formulas.push_back(detail::formula::parse_terms(fixed_formula));
  for (const auto& r : random_formulas) im.formulas.push_back(detail::formula::parse_terms(r));

  // The columns the model uses, in order of first use; a cell missing any of them is dropped.
  std::vector<std::string> used_columns;
  for (const auto& f : im.formulas)
    for (const auto& t : f.terms)
      for (int v : t) {
        const auto& var = f.variables[static_cast<std::size_t>(v)];
        detail::formula::check_columns_exist(var, md, f.source);
        std::vector<const detail::formula::Node*> names;
        detail::formula::collect_columns(*var.node, names);
        for (const auto* n : names)
          if (std::find(used_columns.begin(), used_columns.end(), n->text) == used_columns.end())
            used_columns.push_back(n->text);
      }

  const Index n = md.n_cells();
  im.n_rows = n;
  std::vector<const MetadataColumn*> cols;
  for (const auto& name : used_columns) {
    cols.push_back(md.find(name));
    if (cols.back()->size() != n)
      throw InputError("metadata column `" + name + "` has " + std::to_string(cols.back()->size()) + " values for " +
                       std::to_string(n) + " cells");
  }
  std::vector<Index> missing_per_column(cols.size(), 0);
  im.used.reserve(static_cast<std::size_t>(n));
  for (Index c = 0; c < n; ++c) {
    bool keep = true;
    for (std::size_t k = 0; k < cols.size(); ++k)
      if (cols[k]->is_missing(c)) {
        ++missing_per_column[k];
        keep = false;
      }
    if (keep) im.used.push_back(c);
  }
  const Index n_dropped = n - static_cast<Index>(im.used.size());
  if (n_dropped > 0) {
    std::string w = "dropped " + std::to_string(n_dropped) + " of " + std::to_string(n) +
                    " cells with a missing value in a column the model uses:";
    for (std::size_t k = 0; k < cols.size(); ++k)
      if (missing_per_column[k] > 0)
        w += " " + used_columns[k] + " (" + std::to_string(missing_per_column[k]) + " missing)";
    im.warnings.push_back(w);
  }
  if (im.used.empty())
    throw InputError(n == 0 ? std::string("the metadata has no cells")
                            : "no cell is left: every one of the " + std::to_string(n) +
                                  " cells has a missing value in a column the model uses");

  for (std::size_t fi = 0; fi < im.formulas.size(); ++fi) {
    const ParsedFormula& f = im.formulas[fi];
    std::vector<const EvaluatedVariable*> vars(f.variables.size(), nullptr);
    for (const auto& t : f.terms)
      for (int v : t) {
        const auto& var = f.variables[static_cast<std::size_t>(v)];
        auto it = im.variables.find(var.label);
        if (it == im.variables.end())
          it = im.variables.emplace(var.label, detail::formula::evaluate(var, md, im.used, f.source, im.warnings)).first;
        vars[static_cast<std::size_t>(v)] = &it->second;
      }
    DesignSpec spec = detail::formula::make_design_spec(f, vars, static_cast<Index>(im.used.size()));
    if (fi == 0) {
      im.fixed_names = spec.names;
    } else {
      if (spec.n_cols() == 0)
        throw InputError("random formula `" + f.source + "` gives no column: a random component needs terms, e.g. `~ 0 + sam`");
      im.random_offsets.push_back(im.q);
      im.q += spec.n_cols();
      im.random_names.insert(im.random_names.end(), spec.names.begin(), spec.names.end());
      std::string label = f.intercept ? "(Intercept)" : "";
      for (const auto& t : f.term_labels) label += (label.empty() ? "" : " + ") + t;
      im.component_names.push_back(label);
    }
    im.specs.push_back(std::move(spec));
  }
}

DesignBuilder::~DesignBuilder() = default;
DesignBuilder::DesignBuilder(DesignBuilder&&) noexcept = default;
DesignBuilder& DesignBuilder::operator=(DesignBuilder&&) noexcept = default;

const std::vector<std::string>& DesignBuilder::fixed_names() const { return impl_->fixed_names; }
const std::vector<std::string>& DesignBuilder::random_names() const { return impl_->random_names; }
Index DesignBuilder::p() const { return static_cast<Index>(impl_->fixed_names.size()); }
Index DesignBuilder::q() const { return impl_->q; }
std::vector<int> DesignBuilder::d() const {
  std::vector<int> out;
  for (std::size_t i = 1; i < impl_->specs.size(); ++i) out.push_back(static_cast<int>(impl_->specs[i].n_cols()));
  return out;
}
const std::vector<std::string>& DesignBuilder::component_names() const { return impl_->component_names; }
Index DesignBuilder::n_used_cells() const { return static_cast<Index>(impl_->used.size()); }
const std::vector<Index>& DesignBuilder::used_cells() const { return impl_->used; }
Index DesignBuilder::n_metadata_rows() const { return impl_->n_rows; }
const std::vector<std::string>& DesignBuilder::warnings() const { return impl_->warnings; }

void DesignBuilder::build(Index begin, Index end, RowMatrixXd& X, SparseRowMatrix& Z) const {
  const Impl& im = *impl_;
  if (begin < 0 || end < begin || end > n_used_cells())
    throw InputError("design rows [" + std::to_string(begin) + ", " + std::to_string(end) + ") are outside the " +
                     std::to_string(n_used_cells()) + " used cells");
  const Index m = end - begin;
  X.setZero(m, p());
  for (Index i = 0; i < m; ++i)
    detail::formula::for_each_entry(im.specs[0], begin + i, [&](Index col, double v) { X(i, col) = v; });

  // Each row's entries come in ascending column order (components in order, each term at most
  // one), so Z is filled in place through the ordered-insertion interface.
  Z.resize(m, im.q);
  Z.reserve(static_cast<Index>(m * static_cast<Index>(std::max<std::size_t>(1, 2 * (im.specs.size() - 1)))));
  for (Index i = 0; i < m; ++i) {
    Z.startVec(i);
    for (std::size_t k = 1; k < im.specs.size(); ++k) {
      const Index offset = im.random_offsets[k - 1];
      detail::formula::for_each_entry(im.specs[k], begin + i, [&](Index col, double v) {
        if (v != 0) Z.insertBack(i, offset + col) = v;
      });
    }
  }
  Z.finalize();
}

ModelMatrix model_matrix(const Metadata& metadata, const std::string& formula) {
  DesignBuilder b(metadata, formula);
  ModelMatrix out;
  out.names = b.fixed_names();
  SparseRowMatrix z;
  b.build(0, b.n_used_cells(), out.values, z);
  out.used_cells = b.used_cells();
  out.warnings = b.warnings();
  return out;
}

}  // namespace flashmm
