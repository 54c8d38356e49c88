#include "util/close_names.hpp"

#include <gtest/gtest.h>

namespace flashmm::detail {
namespace {

TEST(CloseNames, EditDistanceAndSuggestions) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("Cls", "cls"), 0u);
  const std::vector<std::string> cols = {"libsize", "loglib", "cls", "cluster_name", "sam"};
  EXPECT_EQ(close_names("libsise", cols).front(), "libsize");
  EXPECT_EQ(close_names("cluster", cols).front(), "cluster_name");
  EXPECT_TRUE(close_names("zzzzzzzz", cols).empty());
  EXPECT_NE(describe_close_names("sample", cols).find("`sam`"), std::string::npos);
}

}  // namespace
}  // namespace flashmm::detail
