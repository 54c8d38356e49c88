#pragma once
// Internal: what the program tells the user besides its results, on stderr. The library returns
// warnings and notes (LmmFit::warnings/notes, DesignBuilder::warnings, ...); the CLI shows each
// distinct message once per run ("warning: ..." / "note: ..."), and nothing under --quiet.
#include <string>
#include <vector>

namespace flashmm::cli {

void show_warning(const std::string& message, bool quiet);
void show_note(const std::string& message, bool quiet);
void show_warnings(const std::vector<std::string>& messages, bool quiet);
void show_notes(const std::vector<std::string>& messages, bool quiet);

}  // namespace flashmm::cli
