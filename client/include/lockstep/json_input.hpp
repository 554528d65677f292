// JSON from outside lockstep — request bodies, world and scenario files, profiles,
// expectations, replies of an implementation under test, plan lines — is read
// through here, never with a bare `json::parse`. Two things make it safe to hand
// any text to: nesting is bounded (a value nested deeper than `max_depth` is
// refused before anything recurses over it: copying, dumping or redacting a
// 100,000-deep array would overflow the stack), and a failure is a value that says
// where (line, column, the line itself with a caret) and why, in words a user can
// act on rather than the parser's own text.
#pragma once

#include <cstddef>
#include <expected>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace lockstep::json_input {

// Deep enough for every document lockstep reads (scenarios nest about 8 levels),
// shallow enough that any recursion over a value is harmless.
inline constexpr std::size_t kMaxDepth = 128;

enum class ParseErrorKind {
  syntax,     // not JSON
  too_deep,   // nested deeper than the limit
  too_large,  // a number that does not fit
};

struct ParseError {
  ParseErrorKind kind = ParseErrorKind::syntax;
  std::size_t line = 1;     // 1-based
  std::size_t column = 1;   // 1-based, in bytes
  std::size_t offset = 0;   // byte offset of the problem
  std::string message;      // what is wrong, without the position
  std::string source_line;  // the text of that line (tabs kept, cut at 200 bytes)

  // "line 3, column 14: <message>"
  std::string where_and_what() const;
  // where_and_what(), then the line and a caret under the column.
  std::string with_excerpt() const;
};

// Parses `text` as one JSON value. Fails on syntax, on nesting deeper than
// `max_depth` (arrays and objects both count one level), and on trailing text.
std::expected<nlohmann::json, ParseError> parse(std::string_view text,
                                                std::size_t max_depth = kMaxDepth);

// The position of byte `offset` in `text`, as a ParseError without a message.
ParseError locate(std::string_view text, std::size_t offset);

}  // namespace lockstep::json_input
