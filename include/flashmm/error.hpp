#pragma once
// Typed errors of the library. The core throws these; only the command-line boundary turns them
// into "error: ..." lines and an exit status (as plink2 and regenie do).
#include <cstdint>
#include <stdexcept>
#include <string>

namespace flashmm {

/// Base of every error flashmm throws. what() is a complete sentence for the user: it names the
/// file, column, option or gene involved and, where there is one, says what to do.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The caller's data or arguments are wrong (dimensions, NaN/Inf, rank, negative counts...).
class InputError : public Error {
 public:
  using Error::Error;
};

/// An option of a library call is out of its range. option() names it as the library spells it
/// (a field of an options struct, e.g. "max_iter", "de_genes"), so that each front end can name
/// it as its users type it (the CLI: --max-iter; Python: max_iter=); what() says what is wrong
/// and the valid range in words, without naming any front end's spelling.
class OptionError : public InputError {
 public:
  OptionError(std::string option, const std::string& what) : InputError(what), option_(std::move(option)) {}
  const std::string& option() const { return option_; }

 private:
  std::string option_;
};

/// An expression value the transform cannot take: not finite, or not a count (a non-negative
/// integer) under the log2p1 transform. cell and gene are 0-based positions in the data given.
class ExpressionValueError : public InputError {
 public:
  ExpressionValueError(const std::string& what, std::int64_t cell_, std::int64_t gene_, double value_)
      : InputError(what), cell(cell_), gene(gene_), value(value_) {}
  std::int64_t cell;
  std::int64_t gene;
  double value;
};

/// A file could not be read or written, or its content is malformed.
class IoError : public Error {
 public:
  using Error::Error;
};

/// A formula or contrast expression could not be parsed or evaluated.
class ParseError : public Error {
 public:
  using Error::Error;
};

/// The GPU backend could not be used or failed: no usable device, a CUDA or CUDA-library call
/// that returned an error (the message names the call and its status), or device memory
/// exhausted (the message says how much was asked for and how much is free).
class DeviceError : public Error {
 public:
  using Error::Error;
};

/// A numerical failure that is not the caller's fault (should not happen; reported, not hidden).
class NumericalError : public Error {
 public:
  using Error::Error;
};

}  // namespace flashmm
