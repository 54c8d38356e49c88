#pragma once
// The metadata join and the formula checks, agreed by all ranks before any heavy work: every
// rank builds the design from the same files and options (the same code, so the same result),
// then the ranks agree that each succeeded (agreement.hpp) and that they built the same design.
#include <flashmm/formula.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace flashmm::dist {

/// A fingerprint (FNV-1a, 64 bits) of what the ranks must share: the column names of X and Z,
/// the components, the cells the design keeps and the genes.
std::uint64_t design_fingerprint(const DesignBuilder& design, const std::vector<std::string>& genes);

/// Agrees that every rank built its design, then that all built the same one; throws InputError
/// (on every rank alike) when they differ.
void agree_on_design(const DesignBuilder& design, const std::vector<std::string>& genes);

}  // namespace flashmm::dist
