#include "lockstep/json_input.hpp"

#include <algorithm>
#include <optional>
#include <fmt/core.h>

namespace lockstep::json_input {

namespace {

// Thrown out of the parser callback to stop at the first level past the limit:
// nlohmann's parser is iterative, so nothing has recursed yet.
struct TooDeep {
  std::size_t depth;
};

// nlohmann's messages read "syntax error while parsing value - invalid literal;
// last read: 'tru'": keep the part after the last " - ", which says what it saw.
std::string plain_message(const nlohmann::json::parse_error& e) {
  std::string what = e.what();
  if (auto pos = what.rfind(" - "); pos != std::string::npos) what = what.substr(pos + 3);
  if (what.rfind("[json.exception", 0) == 0) {
    if (auto close = what.find("] "); close != std::string::npos) what = what.substr(close + 2);
  }
  return what;
}

// The offset of the first opening bracket past `max_depth` levels (strings
// skipped), if any. Not a validating scan, but up to the first syntax error the
// parser's depth is this scan's depth, so text the scan finds within the limit
// never reaches the parser's guard.
std::optional<std::size_t> first_too_deep(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > max_depth) return i;
    } else if (c == ']' || c == '}') {
      if (depth > 0) --depth;
    }
  }
  return std::nullopt;
}

}  // namespace

ParseError locate(std::string_view text, std::size_t offset) {
  ParseError e;
  offset = std::min(offset, text.size());
  e.offset = offset;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++e.line;
      line_start = i + 1;
    }
  }
  e.column = offset - line_start + 1;
  auto line_end = text.find('\n', line_start);
  if (line_end == std::string_view::npos) line_end = text.size();
  auto line = text.substr(line_start, std::min<std::size_t>(line_end - line_start, 200));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  e.source_line = std::string(line);
  return e;
}

std::string ParseError::where_and_what() const {
  return fmt::format("line {}, column {}: {}", line, column, message);
}

std::string ParseError::with_excerpt() const {
  std::string caret;
  for (std::size_t i = 0; i + 1 < column && i < source_line.size(); ++i)
    caret += source_line[i] == '\t' ? '\t' : ' ';
  return fmt::format("{}\n  {}\n  {}^", where_and_what(), source_line, caret);
}

std::expected<nlohmann::json, ParseError> parse(std::string_view text, std::size_t max_depth) {
  // The callback sees the depth of each value it is told about; an object or
  // array start at depth d opens level d + 1.
  std::size_t deepest_offset = 0;
  auto guard = [max_depth](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
    using E = nlohmann::json::parse_event_t;
    if ((event == E::object_start || event == E::array_start) &&
        static_cast<std::size_t>(depth) + 1 > max_depth)
      throw TooDeep{static_cast<std::size_t>(depth) + 1};
    return true;
  };
  try {
    // Most input is shallow: parsed without the callback, which costs nlohmann's
    // callback parser its bookkeeping on every value (a year's journal is
    // 20,000 replies and bodies).
    if (!first_too_deep(text, max_depth)) return nlohmann::json::parse(text.begin(), text.end());
    return nlohmann::json::parse(text.begin(), text.end(), guard);
  } catch (const TooDeep&) {
    // Where the limit was crossed: the (max_depth + 1)-th opening bracket that is
    // still open, found by the same scan.
    deepest_offset = first_too_deep(text, max_depth).value_or(0);
    auto e = locate(text, deepest_offset);
    e.kind = ParseErrorKind::too_deep;
    e.message = fmt::format("nested deeper than {} levels", max_depth);
    return std::unexpected(std::move(e));
  } catch (const nlohmann::json::parse_error& err) {
    // byte is 1-based and points just past the offending character.
    auto e = locate(text, err.byte > 0 ? err.byte - 1 : 0);
    e.kind = ParseErrorKind::syntax;
    e.message = plain_message(err);
    return std::unexpected(std::move(e));
  } catch (const nlohmann::json::out_of_range&) {
    auto e = locate(text, 0);
    e.kind = ParseErrorKind::too_large;
    e.message = "a number is too large";
    return std::unexpected(std::move(e));
  }
}

}  // namespace lockstep::json_input
