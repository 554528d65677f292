// Inside the loaders of scenario, profile and expectation files: a problem found at a JSON path, and the list of
// problems of one file. The loader reports every mistake of a file in one go (up
// to Problems::kMax), so two typos take one run to find, not two; each element of
// a scenario (a booking, an event, an expectation) is read on its own and a
// mistake in one does not hide the others.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "lockstep/error.hpp"
#include "lockstep/json_input.hpp"

namespace lockstep::harness::detail {

// A problem at a JSON path. Thrown inside the loader only (the loader is a JSON
// edge) and collected into Problems.
struct Bad {
  std::string path;
  std::string reason;
  ErrorCode code = ErrorCode::invalid_argument;
};

// Thrown once Problems is full: reading stops there.
struct TooManyProblems {};

class Problems {
 public:
  static constexpr std::size_t kMax = 20;

  void add(Bad bad) {
    list_.push_back(std::move(bad));
    if (list_.size() >= kMax) throw TooManyProblems{};
  }
  // Runs `f`; a Bad it throws is recorded and false returned.
  template <class F>
  bool attempt(F&& f) {
    try {
      f();
      return true;
    } catch (Bad& bad) {
      add(std::move(bad));
      return false;
    }
  }
  bool empty() const { return list_.empty(); }
  std::size_t size() const { return list_.size(); }
  const std::vector<Bad>& list() const { return list_; }

 private:
  std::vector<Bad> list_;
};

inline std::string join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}
inline std::string at_index(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// At most `limit` bytes of `text`, cut with "..." (never inside a UTF-8 sequence).
std::string cut(std::string_view text, std::size_t limit = 300);

// A value for a message: its JSON text, at most 60 bytes. Never serialises more
// than that, whatever the size or depth of the value.
std::string describe(const nlohmann::json& value);

// True when `value` nests deeper than `max_depth` (checked without recursion).
bool deeper_than(const nlohmann::json& value, std::size_t max_depth);

// "file:line:col: message", then an excerpt of the line around the column and a
// caret under it.
std::string format_parse_error(std::string_view file, std::string_view text, const json_input::ParseError& error);

}  // namespace lockstep::harness::detail
