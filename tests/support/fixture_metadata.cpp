#include "support/fixture_metadata.hpp"

#include <flashmm/metadata_csv.hpp>

#include "support/fixture.hpp"

namespace flashmm::testing {

const Metadata& s1_metadata() {
  static const Metadata md = [] {
    MetadataCsvOptions opt;
    opt.text = {"cls"};
    return read_metadata_csv(data_path("s1_metadata.csv"), opt);
  }();
  return md;
}

const Metadata& mm_metadata() {
  static const Metadata md = [] {
    MetadataCsvOptions opt;
    opt.has_id_column = false;
    opt.text = {"cls"};
    return read_metadata_csv(data_path("mm_metadata.csv"), opt);
  }();
  return md;
}

}  // namespace flashmm::testing
