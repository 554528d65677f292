#include "input_problems.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

namespace lockstep::harness::detail {

std::string cut(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return std::string(text);
  std::size_t end = limit > 3 ? limit - 3 : 0;
  // Back off to the start of a UTF-8 sequence (continuation bytes are 10xxxxxx).
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "...";
}

namespace {

constexpr std::size_t kDescribeLimit = 60;

// Appends the JSON text of `v` to `out` until `out` holds more than the limit.
// Each level adds at least one byte before recursing, so the recursion is at most
// kDescribeLimit deep whatever the value's depth.
void describe_into(const nlohmann::json& v, std::string& out) {
  if (out.size() > kDescribeLimit) return;
  if (v.is_array()) {
    out += '[';
    bool first = true;
    for (const auto& e : v) {
      if (out.size() > kDescribeLimit) return;
      if (!first) out += ',';
      first = false;
      describe_into(e, out);
    }
    out += ']';
  } else if (v.is_object()) {
    out += '{';
    bool first = true;
    for (const auto& [key, e] : v.items()) {
      if (out.size() > kDescribeLimit) return;
      if (!first) out += ',';
      first = false;
      out += nlohmann::json(cut(key, kDescribeLimit + 1)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      out += ':';
      describe_into(e, out);
    }
    out += '}';
  } else if (v.is_string()) {
    // A long string is cut before it is quoted (dumping it whole could be megabytes).
    out += nlohmann::json(std::string(v.get_ref<const std::string&>().substr(0, kDescribeLimit + 1)))
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    out += v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
}

}  // namespace

std::string describe(const nlohmann::json& value) {
  std::string out;
  describe_into(value, out);
  if (out.size() > kDescribeLimit) out = cut(out, kDescribeLimit);
  return out;
}

bool deeper_than(const nlohmann::json& value, std::size_t max_depth) {
  struct Level {
    const nlohmann::json* v;
    std::size_t depth;
  };
  std::vector<Level> stack{{&value, value.is_structured() ? 1u : 0u}};
  while (!stack.empty()) {
    auto [v, depth] = stack.back();
    stack.pop_back();
    if (depth > max_depth) return true;
    for (const auto& child : *v)
      if (child.is_structured()) stack.push_back({&child, depth + 1});
  }
  return false;
}

std::string format_parse_error(std::string_view file, std::string_view text, const json_input::ParseError& error) {
  // The excerpt: the whole line when short, else a window around the column, so a
  // mistake at column 90,000 of a one-line file is still shown.
  constexpr std::size_t kHalf = 60;
  const std::size_t offset = std::min(error.offset, text.size());
  const auto newline = text.substr(0, offset).rfind('\n');
  const std::size_t line_start = newline == std::string_view::npos ? 0 : newline + 1;
  std::size_t line_end = text.find('\n', offset);
  if (line_end == std::string_view::npos) line_end = text.size();
  if (line_end > line_start && text[line_end - 1] == '\r') --line_end;
  std::size_t from = line_start, to = line_end;
  std::string before, after;
  if (offset - line_start > kHalf) {
    from = offset - kHalf;
    before = "...";
  }
  if (to > offset + kHalf) {
    to = offset + kHalf;
    after = "...";
  }
  const auto shown = text.substr(from, to - from);
  std::string caret = std::string(before.size(), ' ');
  for (std::size_t i = from; i < offset && i < to; ++i) caret += text[i] == '\t' ? '\t' : ' ';
  std::string excerpt = before + std::string(shown) + after;
  // Control bytes (other than tabs) would garble a terminal: show them as '?'.
  for (auto& c : excerpt)
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t') c = '?';
  return fmt::format("{}:{}:{}: {}\n  {}\n  {}^", file, error.line, error.column, cut(error.message), excerpt, caret);
}

}  // namespace lockstep::harness::detail
