#include <flashmm/error.hpp>
#include <flashmm/formula.hpp>

#include "formula/model_matrix.hpp"
#include "formula/subset.hpp"
#include "formula/terms.hpp"
#include "formula/variables.hpp"
#include "util/r_format.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace flashmm {

using detail::formula::DesignSpec;
using detail::formula::EvaluatedVariable;
using detail::formula::ParsedFormula;
using detail::formula::Variable;

namespace {

// The metadata columns (and cell totals) a variable reads.
std::vector<std::string> columns_of(const Variable& var) {
  std::vector<const detail::formula::Node*> nodes;
  detail::formula::collect_columns(*var.node, nodes);
  std::vector<std::string> out;
  for (const auto* n : nodes)
    if (std::find(out.begin(), out.end(), n->text) == out.end()) out.push_back(n->text);
  return out;
}

bool is_total(const std::string& name) {
  const auto& t = cell_total_names();
  return std::find(t.begin(), t.end(), name) != t.end();
}

// A cell total the metadata lacks, which a variable would read from the expression data.
bool reads_missing_total(const Variable& var, const Metadata& md) {
  for (const auto& c : columns_of(var))
    if (is_total(c) && md.find(c) == nullptr) return true;
  return false;
}

std::string plain_component_name(const ParsedFormula& f) {
  std::string label = f.intercept ? "(Intercept)" : "";
  for (const auto& t : f.term_labels) label += (label.empty() ? "" : " + ") + t;
  return label;
}

// Variables are shared between formulas by label; a grouping factor is a different variable
// from the same column read as numbers.
std::string variable_key(const Variable& v) { return v.grouping ? v.label + " (grouping)" : v.label; }

struct Component {
  ParsedFormula formula;
  std::string name;
};

// The random components: the fixed formula's bar terms, then the random formulas' (terms.hpp).
std::vector<Component> components_of(const ParsedFormula& fixed, const std::vector<std::string>& random_formulas) {
  std::vector<Component> out;
  for (std::size_t b = 0; b < fixed.bars.size(); ++b) out.push_back({fixed.bars[b], fixed.bar_names[b]});
  for (const auto& r : random_formulas) {
    ParsedFormula f = detail::formula::parse_terms(r);
    if (!f.bars.empty()) {
      if (!f.terms.empty() || f.explicit_intercept)
        throw InputError("random formula `" + r + "` mixes bar terms such as (1 | sam) with other terms; write every "
                         "component as a bar term, e.g. (1 | sam) + (0 + x | sam), or give the other terms a random "
                         "formula of their own");
      for (std::size_t b = 0; b < f.bars.size(); ++b) out.push_back({f.bars[b], f.bar_names[b]});
      continue;
    }
    if (f.intercept && !f.explicit_intercept && !f.terms.empty()) {
      const std::string t = f.term_labels.front();
      throw InputError("random formula `" + r + "` has R's implicit intercept, so R codes it as an intercept plus "
                       "treatment contrasts of `" + t + "` (its levels 2, 3, ...), not one random effect per level of `" +
                       t + "`: for that write `~ 0 + " + t + "` or `(1 | " + t + ")`. To fit R's coding anyway, write "
                       "the intercept: `~ 1 + " + t + "`");
    }
    std::string name = plain_component_name(f);
    out.push_back({std::move(f), std::move(name)});
  }
  std::set<std::string> seen;
  for (const auto& c : out)
    if (!seen.insert(c.name).second)
      throw InputError("random component `" + c.name + "` is given twice (as a bar term in the fixed formula and a random "
                       "formula, or twice in one): give each component once");
  return out;
}

// Cluster ids and other labels written as numbers: whole numbers counting from 0 or 1 (gaps
// allowed, as after a subset), 3 to 100 distinct values. Two values are left alone (a 0/1
// column as a slope codes the same as a factor); ages, doses and counts rarely start at 0 or 1.
bool looks_like_labels(const std::vector<double>& v, std::vector<double>& distinct) {
  constexpr std::size_t max_levels = 100;
  std::set<double> seen;
  for (double x : v) {
    if (x != std::floor(x)) return false;
    if (seen.insert(x).second && seen.size() > max_levels) return false;
  }
  if (seen.size() < 3 || !(*seen.begin() == 0 || *seen.begin() == 1)) return false;
  if (*seen.rbegin() > 2.0 * static_cast<double>(seen.size())) return false;
  distinct.assign(seen.begin(), seen.end());
  return true;
}

}  // namespace

FormulaTerms parse_formula(const std::string& formula) {
  const ParsedFormula f = detail::formula::parse_terms(formula);
  FormulaTerms out;
  out.intercept = f.intercept;
  for (const auto& v : f.variables) out.variables.push_back(v.label);
  out.term_labels = f.term_labels;
  out.random_components = f.bar_names;
  return out;
}

CellTotalsUse cell_totals_use(const Metadata& md, const std::string& fixed_formula,
                              const std::vector<std::string>& random_formulas, const std::string& subset) {
  CellTotalsUse use;
  auto add = [](std::vector<std::string>& to, const std::string& name) {
    if (std::find(to.begin(), to.end(), name) == to.end()) to.push_back(name);
  };
  auto visit = [&](const ParsedFormula& f) {
    for (const auto& var : f.variables)
      for (const auto& c : columns_of(var)) {
        if (!is_total(c) || md.find(c) != nullptr) continue;
        if (detail::formula::is_per_cell(var)) {
          add(use.per_cell, c);
        } else {
          add(use.all_cells, c);
          add(use.reasons, "`" + var.label + "`");
        }
      }
  };
  std::vector<ParsedFormula> all{detail::formula::parse_terms(fixed_formula)};
  for (const auto& r : random_formulas) all.push_back(detail::formula::parse_terms(r));
  for (const auto& f : all) {
    visit(f);
    for (const auto& b : f.bars) visit(b);
  }
  if (!subset.empty())
    for (const auto& c : detail::formula::subset_columns(subset))
      if (is_total(c) && md.find(c) == nullptr) {
        add(use.all_cells, c);
        add(use.reasons, "the cell subset");
      }
  // A total needed for every cell first is then in the metadata for its per-cell uses too.
  std::erase_if(use.per_cell, [&](const std::string& c) {
    return std::find(use.all_cells.begin(), use.all_cells.end(), c) != use.all_cells.end();
  });
  return use;
}

struct DesignBuilder::Impl {
  std::vector<ParsedFormula> formulas;  // [0] fixed, then one per random component
  // Variables are shared between formulas by key; std::map keeps their addresses stable.
  std::map<std::string, EvaluatedVariable> variables;
  // Variables that read cell totals from the data: evaluated in build(), chunk by chunk, over
  // chunk_md (the metadata columns they read, for the used cells, without ids).
  struct ChunkVariable {
    Variable var;
    std::string source;
    const EvaluatedVariable* placeholder;
  };
  std::vector<ChunkVariable> chunk_variables;
  Metadata chunk_md;
  std::vector<DesignSpec> specs;
  std::vector<Index> random_offsets;  // first Z column of each component
  std::vector<std::string> fixed_names, random_names, component_names, warnings, numeric_labels;
  std::vector<std::vector<std::string>> fixed_numeric;
  std::vector<Index> used;
  CellCounts counts;
  Index q = 0;

  void build(Index begin, Index end, const CellTotals* totals, RowMatrixXd& X, SparseRowMatrix& Z) const;
};

DesignBuilder::DesignBuilder(const Metadata& md, std::string fixed_formula, std::vector<std::string> random_formulas,
                             const DesignOptions& options)
    : impl_(std::make_unique<Impl>()) {
  Impl& im = *impl_;
  im.formulas.push_back(detail::formula::parse_terms(fixed_formula));
  for (auto& c : components_of(im.formulas[0], random_formulas)) {
    im.formulas.push_back(std::move(c.formula));
    im.component_names.push_back(std::move(c.name));
  }

  // Cell totals the metadata lacks come from the data, when asked for.
  std::vector<std::string> from_data;
  if (options.cell_totals_from_data)
    for (const auto& t : cell_total_names())
      if (md.find(t) == nullptr) from_data.push_back(t);

  // The columns the model uses, in order of first use; a cell missing any of them is dropped.
  std::vector<std::string> used_columns;
  for (const auto& f : im.formulas)
    for (const auto& t : f.terms)
      for (int v : t) {
        const auto& var = f.variables[static_cast<std::size_t>(v)];
        detail::formula::check_columns_exist(var, md, f.source, from_data);
        for (const auto& c : columns_of(var))
          if (md.find(c) != nullptr && std::find(used_columns.begin(), used_columns.end(), c) == used_columns.end())
            used_columns.push_back(c);
      }

  const Index n = md.n_cells();
  im.counts.rows = n;
  std::vector<const MetadataColumn*> cols;
  for (const auto& name : used_columns) {
    cols.push_back(md.find(name));
    if (cols.back()->size() != n)
      throw InputError("metadata column `" + name + "` has " + std::to_string(cols.back()->size()) + " values for " +
                       std::to_string(n) + " cells");
  }
  const std::vector<std::int8_t> in_subset =
      options.subset.empty() ? std::vector<std::int8_t>{} : detail::formula::evaluate_subset(options.subset, md);
  std::vector<Index> missing_per_column(cols.size(), 0);
  im.used.reserve(static_cast<std::size_t>(n));
  for (Index c = 0; c < n; ++c) {
    if (!in_subset.empty() && in_subset[static_cast<std::size_t>(c)] != 1) {
      ++im.counts.outside_subset;
      continue;
    }
    bool keep = true;
    for (std::size_t k = 0; k < cols.size(); ++k)
      if (cols[k]->is_missing(c)) {
        ++missing_per_column[k];
        keep = false;
      }
    if (keep)
      im.used.push_back(c);
    else
      ++im.counts.missing;
  }
  im.counts.used = static_cast<Index>(im.used.size());
  const Index candidates = n - im.counts.outside_subset;
  if (im.counts.missing > 0) {
    std::string w = "dropped " + std::to_string(im.counts.missing) + " of " + std::to_string(candidates) +
                    (in_subset.empty() ? "" : " selected") + " cells with a missing value in a column the model uses:";
    for (std::size_t k = 0; k < cols.size(); ++k)
      if (missing_per_column[k] > 0)
        w += " " + used_columns[k] + " (" + std::to_string(missing_per_column[k]) + " missing)";
    im.warnings.push_back(w);
  }
  if (im.used.empty())
    throw InputError(n == 0 ? std::string("the metadata has no cells")
                            : "no cell is left: every one of the " + std::to_string(candidates) +
                                  (in_subset.empty() ? "" : " cells the subset selects") +
                                  (in_subset.empty() ? " cells" : "") + " has a missing value in a column the model uses");

  detail::formula::EvaluateOptions eval_options;
  eval_options.warn_unused_levels = options.subset.empty();
  std::vector<std::string> chunk_columns;  // metadata columns the chunk variables read
  for (std::size_t fi = 0; fi < im.formulas.size(); ++fi) {
    const ParsedFormula& f = im.formulas[fi];
    std::vector<const EvaluatedVariable*> vars(f.variables.size(), nullptr);
    for (const auto& t : f.terms)
      for (int v : t) {
        const auto& var = f.variables[static_cast<std::size_t>(v)];
        const std::string key = variable_key(var);
        auto it = im.variables.find(key);
        if (it == im.variables.end()) {
          if (!from_data.empty() && reads_missing_total(var, md)) {
            if (!detail::formula::is_per_cell(var))
              throw InputError("`" + var.label + "` needs the cell totals of every cell before the cells are read, but "
                               "they come with the cells (chunk by chunk): put them in the metadata for this formula");
            for (const auto& c : columns_of(var)) {
              const MetadataColumn* col = md.find(c);
              if (col == nullptr) continue;
              if (col->kind != MetadataColumn::Kind::numeric && col->kind != MetadataColumn::Kind::boolean)
                throw InputError("`" + var.label + "` needs a numeric column, but `" + c +
                                 "` is not numeric; numeric functions and arithmetic apply to numeric columns only");
              if (std::find(chunk_columns.begin(), chunk_columns.end(), c) == chunk_columns.end()) chunk_columns.push_back(c);
            }
            EvaluatedVariable placeholder;
            placeholder.label = var.label;
            it = im.variables.emplace(key, std::move(placeholder)).first;
            im.chunk_variables.push_back({var, f.source, &it->second});
          } else {
            it = im.variables.emplace(key, detail::formula::evaluate(var, md, im.used, f.source, im.warnings, eval_options))
                     .first;
          }
        }
        vars[static_cast<std::size_t>(v)] = &it->second;
      }
    // A bar term's slope needs a number: (0 + x | g) with x a factor is lme4's correlated
    // per-level effects, which independent components cannot express.
    const auto grouping = std::find_if(f.variables.begin(), f.variables.end(), [](const Variable& v) { return v.grouping; });
    if (grouping != f.variables.end())
      for (std::size_t v = 0; v < f.variables.size(); ++v)
        if (!f.variables[v].grouping && vars[v] != nullptr && vars[v]->categorical)
          throw InputError("random component `" + im.component_names[fi - 1] + "`: `" + f.variables[v].label +
                           "` is categorical, but the left of `|` takes a numeric variable (a slope per level of `" +
                           grouping->label + "`); for an effect per level of both, make a column that combines them "
                           "and write (1 | that column)");
    DesignSpec spec = detail::formula::make_design_spec(f, vars, static_cast<Index>(im.used.size()));
    if (fi == 0) {
      im.fixed_names = spec.names;
      if (spec.intercept) im.fixed_numeric.emplace_back();
      for (std::size_t t = 0; t < f.terms.size(); ++t) {
        std::vector<std::string> numbers;
        for (int v : f.terms[t]) {
          const auto& var = f.variables[static_cast<std::size_t>(v)];
          if (vars[static_cast<std::size_t>(v)]->categorical) continue;
          for (const auto& c : columns_of(var))
            if (std::find(numbers.begin(), numbers.end(), c) == numbers.end()) numbers.push_back(c);
        }
        for (Index k = 0; k < spec.terms[t].n_cols; ++k) im.fixed_numeric.push_back(numbers);
      }
    } else {
      if (spec.n_cols() == 0)
        throw InputError("random formula `" + f.source + "` gives no column: a random component needs terms, e.g. `~ 0 + sam` or `(1 | sam)`");
      im.random_offsets.push_back(im.q);
      im.q += spec.n_cols();
      im.random_names.insert(im.random_names.end(), spec.names.begin(), spec.names.end());
    }
    im.specs.push_back(std::move(spec));
  }

  // Numbers that look like labels, used as numbers: the likeliest mistake with pandas' files.
  for (const auto& f : im.formulas)
    for (const auto& var : f.variables) {
      if (var.grouping || var.node->kind != detail::formula::Node::Kind::name) continue;
      const MetadataColumn* col = md.find(var.label);
      if (col == nullptr || col->kind != MetadataColumn::Kind::numeric) continue;
      if (std::find(im.numeric_labels.begin(), im.numeric_labels.end(), var.label) != im.numeric_labels.end()) continue;
      const auto it = im.variables.find(variable_key(var));
      std::vector<double> distinct;
      if (it == im.variables.end() || !looks_like_labels(it->second.values, distinct)) continue;
      std::string values;
      for (std::size_t k = 0; k < distinct.size(); ++k) {
        if (k == 3 && distinct.size() > 4) {
          values += ", ..., " + detail::r_format_number(distinct.back());
          break;
        }
        values += (k ? ", " : "") + detail::r_format_number(distinct[k]);
      }
      im.numeric_labels.push_back(var.label);
      im.warnings.push_back("`" + var.label + "` is numeric with " + std::to_string(distinct.size()) +
                            " distinct whole-number values (" + values + ") and enters the model as one slope; if they "
                            "are labels (cluster ids), make the column categorical: factor(" + var.label +
                            ") in the formula, or read the column as categorical");
    }

  // The metadata columns the chunk variables read, for the used cells.
  for (const auto& c : chunk_columns) {
    const MetadataColumn& src = *md.find(c);
    MetadataColumn col;
    col.name = c;
    col.kind = MetadataColumn::Kind::numeric;
    col.numbers.reserve(im.used.size());
    for (Index r : im.used) {
      const auto i = static_cast<std::size_t>(r);
      col.numbers.push_back(src.kind == MetadataColumn::Kind::numeric ? src.numbers[i] : src.booleans[i]);
    }
    im.chunk_md.columns.push_back(std::move(col));
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
Index DesignBuilder::n_metadata_rows() const { return impl_->counts.rows; }
const CellCounts& DesignBuilder::cell_counts() const { return impl_->counts; }
bool DesignBuilder::needs_cell_totals() const { return !impl_->chunk_variables.empty(); }
const std::vector<std::string>& DesignBuilder::warnings() const { return impl_->warnings; }
const std::vector<std::string>& DesignBuilder::numeric_label_columns() const { return impl_->numeric_labels; }
const std::vector<std::vector<std::string>>& DesignBuilder::fixed_numeric_columns() const { return impl_->fixed_numeric; }

void DesignBuilder::build(Index begin, Index end, RowMatrixXd& X, SparseRowMatrix& Z) const {
  impl_->build(begin, end, nullptr, X, Z);
}

void DesignBuilder::build(Index begin, Index end, const CellTotals& totals, RowMatrixXd& X, SparseRowMatrix& Z) const {
  impl_->build(begin, end, &totals, X, Z);
}

void DesignBuilder::Impl::build(Index begin, Index end, const CellTotals* totals, RowMatrixXd& X,
                                SparseRowMatrix& Z) const {
  if (begin < 0 || end < begin || end > static_cast<Index>(used.size()))
    throw InputError("design rows [" + std::to_string(begin) + ", " + std::to_string(end) + ") are outside the " +
                     std::to_string(used.size()) + " used cells");
  const Index m = end - begin;

  // Variables of the cell totals, for these cells only; the specs then point at them.
  std::vector<EvaluatedVariable> local;
  std::vector<DesignSpec> local_specs;
  if (!chunk_variables.empty()) {
    if (totals == nullptr)
      throw InputError("the design reads cell totals (libsize, nfeatures) from the expression data: build its rows "
                       "with the totals of each chunk's cells");
    std::vector<detail::formula::ExtraColumn> extra;
    const std::span<const double> given[2] = {totals->libsize, totals->nfeatures};
    for (std::size_t t = 0; t < 2; ++t) {
      if (given[t].empty()) continue;
      if (static_cast<Index>(given[t].size()) != m)
        throw InputError("cell totals `" + cell_total_names()[t] + "`: " + std::to_string(given[t].size()) +
                         " values for " + std::to_string(m) + " rows");
      extra.push_back({cell_total_names()[t], given[t]});
    }
    std::vector<Index> rows(static_cast<std::size_t>(m));
    for (Index i = 0; i < m; ++i) rows[static_cast<std::size_t>(i)] = begin + i;
    detail::formula::EvaluateOptions eo;
    eo.extra = extra;
    eo.cell_name = [&](std::size_t i) {
      return "cell number " + std::to_string(used[static_cast<std::size_t>(begin) + i] + 1);
    };
    eo.scope = " numbered " + std::to_string(m > 0 ? used[static_cast<std::size_t>(begin)] + 1 : 0) + " to " +
               std::to_string(m > 0 ? used[static_cast<std::size_t>(end - 1)] + 1 : 0);
    std::vector<std::string> no_warnings;  // numeric variables warn of nothing
    local.reserve(chunk_variables.size());
    for (const auto& cv : chunk_variables) {
      for (const auto& c : columns_of(cv.var))
        if (is_total(c) && chunk_md.find(c) == nullptr &&
            std::none_of(extra.begin(), extra.end(), [&](const auto& e) { return e.name == c; }))
          throw InputError("`" + cv.var.label + "` reads the cell total `" + c + "`, which was not given with the cells");
      local.push_back(m > 0 ? detail::formula::evaluate(cv.var, chunk_md, rows, cv.source, no_warnings, eo)
                            : EvaluatedVariable{});
      local.back().label = cv.var.label;
    }
    local_specs.resize(specs.size());  // the terms only: the names are not needed to build
    for (std::size_t k = 0; k < specs.size(); ++k) {
      local_specs[k].intercept = specs[k].intercept;
      local_specs[k].terms = specs[k].terms;
    }
    for (auto& spec : local_specs)
      for (auto& t : spec.terms)
        for (std::size_t k = 0; k < t.vars.size(); ++k)
          for (std::size_t c = 0; c < chunk_variables.size(); ++c)
            if (t.vars[k] == chunk_variables[c].placeholder) {
              t.vars[k] = &local[c];
              t.offsets[k] = begin;
            }
  }
  const std::vector<DesignSpec>& s = local_specs.empty() ? specs : local_specs;

  X.setZero(m, static_cast<Index>(fixed_names.size()));
  for (Index i = 0; i < m; ++i)
    detail::formula::for_each_entry(s[0], begin + i, [&](Index col, double v) { X(i, col) = v; });

  // Each row's entries come in ascending column order (components in order, each term at most
  // one), so Z is filled in place through the ordered-insertion interface.
  Z.resize(m, q);
  Z.reserve(static_cast<Index>(m * static_cast<Index>(std::max<std::size_t>(1, 2 * (s.size() - 1)))));
  for (Index i = 0; i < m; ++i) {
    Z.startVec(i);
    for (std::size_t k = 1; k < s.size(); ++k) {
      const Index offset = random_offsets[k - 1];
      detail::formula::for_each_entry(s[k], begin + i, [&](Index col, double v) {
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
