// One line of `lockstep plan` (../shared/contracts/plan-cli.md): a JSON object
// describing a booking in, a JSON object with its schedule (or an error) out;
// and PlanStream, which cuts JSON Lines input into those lines the way the CLI
// reads it. Kept apart from the CLI so tests, fuzzers and benchmarks call them
// directly.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lockstep::harness {

struct PlanLineResult {
  std::string json;  // one line, no trailing newline
  bool ok = true;    // false when the line was answered with an error
};

// `line_number` (1-based, blank lines counted) names a line whose answer cannot
// carry a usable id: an error for a line that is not JSON, not an object, nested
// deeper than json_input::kMaxDepth, or without an id reads "line N: ...".
PlanLineResult plan_line(std::string_view line, std::size_t line_number);

// The same answer appended to `out` (no newline), without a string of its own:
// the CLI's path. Returns false when the line was answered with an error.
bool append_plan_line(std::string& out, std::string_view line, std::size_t line_number);

// JSON Lines in, answers out, in pieces of any size: '\n' ends a line, "\r\n"
// too; a line holding only blanks (space, tab, CR) gets no answer but is
// counted; a last line without '\n' is answered by finish().
class PlanStream {
 public:
  // Appends the answer (and '\n') of every line `input` completes.
  void feed(std::string_view input, std::string& out);
  // End of input: answers a last line left without '\n'.
  void finish(std::string& out);
  bool any_bad() const noexcept { return any_bad_; }

 private:
  void answer(std::string_view line, std::string& out);

  std::string pending_;  // the start of a line whose '\n' has not come yet
  std::size_t line_number_ = 0;
  bool any_bad_ = false;
};

}  // namespace lockstep::harness
