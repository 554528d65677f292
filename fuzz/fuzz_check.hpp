// Invariants a fuzz target asserts beyond "does not crash". A violated check
// prints what was expected and aborts, which libFuzzer reports as a crash (and
// saves the input) and the replay main turns into a failed ctest — the same in
// the clang fuzz build and the gcc replay build, unlike assert() which NDEBUG
// would silence in release builds.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace lockstep::fuzz {

[[noreturn]] inline void check_failed(const char* expr, const char* file, int line, std::string_view detail) {
  std::fprintf(stderr, "%s:%d: fuzz invariant violated: %s\n", file, line, expr);
  if (!detail.empty()) std::fprintf(stderr, "  detail: %.*s\n", static_cast<int>(detail.size()), detail.data());
  std::abort();
}

}  // namespace lockstep::fuzz

#define LOCKSTEP_FUZZ_CHECK(cond, detail)                                               \
  do {                                                                                  \
    if (!(cond)) ::lockstep::fuzz::check_failed(#cond, __FILE__, __LINE__, (detail));   \
  } while (false)
