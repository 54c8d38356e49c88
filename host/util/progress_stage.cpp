#include <flashmm/progress.hpp>

namespace flashmm {

const char* to_string(ProgressStage stage) {
  switch (stage) {
    case ProgressStage::reading: return "reading";
    case ProgressStage::fitting: return "fitting";
    case ProgressStage::df: return "df";
    case ProgressStage::writing: return "writing";
  }
  return "?";
}

}  // namespace flashmm
