#pragma once
// GPU tests skip, saying why, where no CUDA device is usable; with FLASHMM_REQUIRE_GPU=1 in the
// environment (set it on GPU runners) they fail instead, so a broken driver cannot pass as a skip.
#include <flashmm/backend.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#define FLASHMM_REQUIRE_GPU()                                                              \
  do {                                                                                     \
    std::string why_not_;                                                                  \
    if (!::flashmm::gpu_available(&why_not_)) {                                            \
      const char* required_ = std::getenv("FLASHMM_REQUIRE_GPU");                          \
      if (required_ && std::string(required_) == "1")                                      \
        FAIL() << "FLASHMM_REQUIRE_GPU=1 but no usable CUDA device: " << why_not_;         \
      GTEST_SKIP() << "no usable CUDA device: " << why_not_;                               \
    }                                                                                      \
  } while (0)
