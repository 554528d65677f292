// `lockstep plan` on simdjson against the nlohmann implementation it replaced
// (plan_reference.cpp): the same bytes out for every generated line, good or bad,
// line by line and through the stream (blank lines, CRLF, input cut at any byte).
//
// ctest runs 50,000 lines (and a stream of 12,500) (set LOCKSTEP_PLAN_DIFF_LINES to change it;
// bench/plan-differential.sh runs 1,000,000 by default).
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "lockstep/harness/plan_line.hpp"
#include "plan_line_generator.hpp"
#include "plan_reference.hpp"

namespace lockstep {
namespace {

std::size_t line_count() {
  if (const char* env = std::getenv("LOCKSTEP_PLAN_DIFF_LINES")) return std::strtoull(env, nullptr, 10);
  return 50'000;
}

std::string printable(std::string_view text) {
  std::string out;
  for (unsigned char c : text.substr(0, 400)) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

TEST(PlanDifferential, EveryGeneratedLineGetsTheSameAnswer) {
  plan_test::PlanLineGenerator gen(20261201);
  const std::size_t n = line_count();
  std::size_t mismatches = 0, bad = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string line = gen.line();
    const auto expected = plan_reference::plan_line(line, i + 1);
    const auto got = harness::plan_line(line, i + 1);
    bad += !expected.ok;
    if (got.json != expected.json || got.ok != expected.ok) {
      if (++mismatches <= 20) {
        ADD_FAILURE() << "line " << i + 1 << ": " << printable(line) << "\n  reference " << printable(expected.json)
                      << " ok=" << expected.ok << "\n  simdjson  " << printable(got.json) << " ok=" << got.ok;
      }
    }
  }
  EXPECT_EQ(mismatches, 0u) << "of " << n << " lines";
  // The mix is meant to hold both: a generator gone wrong would test nothing.
  EXPECT_GT(bad, n / 4);
  EXPECT_LT(bad, n - n / 10);
}

TEST(PlanDifferential, TheStreamMatchesTheOldReadLoop) {
  plan_test::PlanLineGenerator gen(7);
  const std::string input = gen.stream(line_count() / 4);
  bool expected_bad = false;
  const std::string expected = plan_reference::plan_stream(input, expected_bad);

  // Fed in pieces of random size, cut anywhere (inside "\r\n" too).
  harness::PlanStream stream;
  std::string got;
  for (std::size_t at = 0; at < input.size();) {
    const std::size_t piece = 1 + static_cast<std::size_t>(gen.pick(gen.pick(4) == 0 ? 8 : 70'000));
    stream.feed(std::string_view(input).substr(at, piece), got);
    at += piece;
  }
  stream.finish(got);
  EXPECT_EQ(stream.any_bad(), expected_bad);
  ASSERT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected) << "the stream's output differs";
}

}  // namespace
}  // namespace lockstep
