// Mutation of a seed text for differential tests: one to three edits, each a
// replaced, inserted or erased character drawn from `alphabet`. Two readers
// that should agree are fed the results (tests/client/plain_json_test.cpp,
// tests/mock/job_request_test.cpp).
#pragma once

#include <cstddef>
#include <random>
#include <string>
#include <string_view>

namespace lockstep::testing {

inline std::string mutate_text(std::string text, std::string_view alphabet, std::mt19937& random) {
  const int edits = 1 + static_cast<int>(random() % 3);
  for (int e = 0; e < edits && !text.empty(); ++e) {
    const std::size_t at = random() % text.size();
    const char c = alphabet[random() % alphabet.size()];
    switch (random() % 3) {
      case 0: text[at] = c; break;
      case 1: text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), c); break;
      default: text.erase(at, 1); break;
    }
  }
  return text;
}

}  // namespace lockstep::testing
