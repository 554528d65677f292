#include "lockstep/harness/yaml_input.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <optional>
#include <sstream>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/anchor.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include "input_problems.hpp"

namespace lockstep::harness::yaml_input {

namespace {

using nlohmann::json;

// Thrown out of the event handler: a problem at a mark. The parser's recursion
// unwinds from there, at most max_depth levels deep.
struct Refused {
  YAML::Mark mark;
  json_input::ParseErrorKind kind;
  std::string message;
};

constexpr std::string_view kCoreTag = "tag:yaml.org,2002:";

bool one_of(std::string_view s, std::initializer_list<std::string_view> list) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

template <class T>
std::optional<T> whole_number(std::string_view digits, int base) {
  T v{};
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return v;
}

bool all_of(std::string_view s, int (*pred)(int)) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) { return pred(static_cast<unsigned char>(c)) != 0; });
}

// An integer of the core schema ([-+]?[0-9]+, 0o[0-7]+, 0x[0-9a-fA-F]+), or
// nullopt when `s` is not written as one. Too large: a Refused.
std::optional<json> core_integer(std::string_view s, const YAML::Mark& mark) {
  auto too_large = [&]() -> json {
    throw Refused{mark, json_input::ParseErrorKind::too_large, "a number is too large"};
  };
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
    const auto digits = s.substr(2);
    const bool hex = s[1] == 'x';
    if (!all_of(digits, hex ? isxdigit : isdigit)) return std::nullopt;
    if (!hex && digits.find_first_of("89") != std::string_view::npos) return std::nullopt;
    if (auto v = whole_number<std::uint64_t>(digits, hex ? 16 : 8)) return json(*v);
    return too_large();
  }
  std::string_view body = s;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) body.remove_prefix(1);
  if (!all_of(body, isdigit)) return std::nullopt;
  const std::string_view signed_text = s[0] == '+' ? s.substr(1) : s;
  if (s[0] == '-') {
    if (auto v = whole_number<std::int64_t>(signed_text, 10)) return json(*v);
    return too_large();
  }
  if (auto v = whole_number<std::uint64_t>(signed_text, 10)) {
    if (*v <= static_cast<std::uint64_t>(INT64_MAX)) return json(static_cast<std::int64_t>(*v));
    return json(*v);
  }
  return too_large();
}

// A float of the core schema ([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?),
// or nullopt. Infinities and NaN are refused: JSON has no such numbers.
std::optional<json> core_float(std::string_view s, const YAML::Mark& mark) {
  std::string_view body = s;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) body.remove_prefix(1);
  if (one_of(body, {".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN"}))
    throw Refused{mark, json_input::ParseErrorKind::syntax,
                  fmt::format("{} is not a JSON number (write a finite number or a string)", s)};
  // Shape check, then the conversion.
  std::size_t i = 0, digits = 0;
  while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) ++i, ++digits;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) ++i, ++digits;
  }
  if (digits == 0) return std::nullopt;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '-' || body[i] == '+')) ++i;
    const auto exp_start = i;
    while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) ++i;
    if (i == exp_start) return std::nullopt;
  }
  if (i != body.size()) return std::nullopt;
  double v = 0;
  const std::string_view text = s[0] == '+' ? s.substr(1) : s;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc::result_out_of_range)
    throw Refused{mark, json_input::ParseErrorKind::too_large, "a number is too large"};
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return json(v);
}

std::optional<json> core_bool(std::string_view s) {
  if (one_of(s, {"true", "True", "TRUE"})) return json(true);
  if (one_of(s, {"false", "False", "FALSE"})) return json(false);
  return std::nullopt;
}

bool core_null(std::string_view s) { return one_of(s, {"", "~", "null", "Null", "NULL"}); }

// A plain (unquoted, untagged) scalar under the core schema.
json plain_scalar(const std::string& s, const YAML::Mark& mark) {
  if (core_null(s)) return nullptr;
  if (auto b = core_bool(s)) return *b;
  if (auto i = core_integer(s, mark)) return *i;
  if (auto f = core_float(s, mark)) return *f;
  return s;
}

json tagged_scalar(const std::string& tag, const std::string& s, const YAML::Mark& mark) {
  auto wrong = [&](std::string_view what) -> json {
    throw Refused{mark, json_input::ParseErrorKind::syntax, fmt::format("\"{}\" is not {}", detail::cut(s, 60), what)};
  };
  const std::string_view name = std::string_view(tag).substr(kCoreTag.size());
  if (name == "str") return s;
  if (name == "null") return core_null(s) ? json(nullptr) : wrong("null");
  if (name == "bool") {
    if (auto b = core_bool(s)) return *b;
    return wrong("a boolean");
  }
  if (name == "int") {
    if (auto i = core_integer(s, mark)) return *i;
    return wrong("an integer");
  }
  if (name == "float") {
    if (auto i = core_integer(s, mark)) return json(i->get<double>());
    if (auto f = core_float(s, mark)) return *f;
    return wrong("a number");
  }
  throw Refused{mark, json_input::ParseErrorKind::syntax,
                fmt::format("the tag !!{} is not supported (only !!str, !!int, !!float, !!bool, !!null)", detail::cut(name, 40))};
}

class Builder final : public YAML::EventHandler {
 public:
  Builder(Document& doc, std::size_t max_depth) : doc_(doc), max_depth_(max_depth) {}

  bool done() const { return done_; }
  const YAML::Mark& start() const { return start_; }

  void OnDocumentStart(const YAML::Mark& mark) override { start_ = mark; }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    no_anchor(mark, anchor);
    if (expecting_key()) throw Refused{mark, json_input::ParseErrorKind::syntax, "an empty (null) key"};
    place(nullptr, mark);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    throw Refused{mark, json_input::ParseErrorKind::syntax,
                  "aliases (*name) are not supported in scenario files: write the value out"};
  }
  void OnAnchor(const YAML::Mark& mark, const std::string&) override { anchor_refused(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    no_anchor(mark, anchor);
    if (expecting_key()) {
      auto& frame = stack_.back();
      const auto line = mark.line + 1;
      if (auto [it, fresh] = frame.key_lines.emplace(value, static_cast<std::size_t>(line)); !fresh)
        throw Refused{mark, json_input::ParseErrorKind::syntax,
                      fmt::format("key \"{}\" is written twice in this mapping (also on line {})", detail::cut(value, 60),
                                  it->second)};
      frame.key = value;
      frame.key_mark = mark;
      return;
    }
    place(scalar(tag, value, mark), mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, tag, anchor, json::array());
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, tag, anchor, json::object());
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    json value;
    std::string path;
    std::optional<std::string> key;  // a mapping's key waiting for its value
    YAML::Mark key_mark;
    std::map<std::string, std::size_t> key_lines;
  };

  static void anchor_refused(const YAML::Mark& mark) {
    throw Refused{mark, json_input::ParseErrorKind::syntax,
                  "anchors (&name) are not supported in scenario files: write the value out"};
  }
  static void no_anchor(const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (anchor != YAML::NullAnchor) anchor_refused(mark);
  }

  bool expecting_key() const { return !stack_.empty() && stack_.back().value.is_object() && !stack_.back().key; }

  static json scalar(const std::string& tag, const std::string& value, const YAML::Mark& mark) {
    if (tag == "?" || tag.empty()) return plain_scalar(value, mark);
    if (tag == "!") return value;  // quoted: always a string
    if (std::string_view(tag).starts_with(kCoreTag)) return tagged_scalar(tag, value, mark);
    throw Refused{mark, json_input::ParseErrorKind::syntax,
                  fmt::format("the tag {} is not supported (only !!str, !!int, !!float, !!bool, !!null)", detail::cut(tag, 40))};
  }

  // The JSON path and line of the value about to be placed.
  std::pair<std::string, std::size_t> next_place(const YAML::Mark& mark) const {
    if (stack_.empty()) return {"", static_cast<std::size_t>(mark.line + 1)};
    const auto& top = stack_.back();
    if (top.value.is_object()) return {detail::join(top.path, *top.key), static_cast<std::size_t>(top.key_mark.line + 1)};
    return {detail::at_index(top.path, top.value.size()), static_cast<std::size_t>(mark.line + 1)};
  }

  void place(json value, const YAML::Mark& mark) {
    auto [path, line] = next_place(mark);
    doc_.lines.emplace(std::move(path), line);
    put(std::move(value));
  }

  void put(json value) {
    if (stack_.empty()) {
      doc_.value = std::move(value);
      done_ = true;
      return;
    }
    auto& top = stack_.back();
    if (top.value.is_object()) {
      top.value[*top.key] = std::move(value);
      top.key.reset();
    } else {
      top.value.push_back(std::move(value));
    }
  }

  void open(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor, json empty) {
    no_anchor(mark, anchor);
    if (expecting_key())
      throw Refused{mark, json_input::ParseErrorKind::syntax, "a key must be a plain value, not a sequence or mapping"};
    if (tag != "?" && tag != "!" && !tag.empty() && tag != "tag:yaml.org,2002:seq" && tag != "tag:yaml.org,2002:map")
      throw Refused{mark, json_input::ParseErrorKind::syntax, fmt::format("the tag {} is not supported", detail::cut(tag, 40))};
    if (stack_.size() + 1 > max_depth_)
      throw Refused{mark, json_input::ParseErrorKind::too_deep, fmt::format("nested deeper than {} levels", max_depth_)};
    auto [path, line] = next_place(mark);
    doc_.lines.emplace(path, line);
    stack_.push_back(Frame{std::move(empty), std::move(path), std::nullopt, {}, {}});
  }

  void close() {
    json value = std::move(stack_.back().value);
    stack_.pop_back();
    put(std::move(value));
  }

  Document& doc_;
  std::size_t max_depth_;
  std::vector<Frame> stack_;
  bool done_ = false;
  YAML::Mark start_;
};

json_input::ParseError at_mark(std::string_view text, const YAML::Mark& mark, json_input::ParseErrorKind kind,
                               std::string message) {
  const std::size_t offset = mark.pos < 0 ? text.size() : static_cast<std::size_t>(mark.pos);
  auto e = json_input::locate(text, offset);
  e.kind = kind;
  e.message = std::move(message);
  return e;
}

}  // namespace

std::size_t Document::line_of(std::string_view path) const {
  while (true) {
    if (auto it = lines.find(path); it != lines.end()) return it->second;
    if (path.empty()) return 0;
    const auto cut_at = path.find_last_of(".[");
    path = cut_at == std::string_view::npos ? std::string_view() : path.substr(0, cut_at);
  }
}

std::expected<Document, json_input::ParseError> parse(std::string_view text, std::size_t max_depth) {
  std::istringstream in{std::string(text)};
  Document doc;
  try {
    YAML::Parser parser(in);
    Builder builder(doc, max_depth);
    if (!parser.HandleNextDocument(builder) || !builder.done())
      return std::unexpected(at_mark(text, YAML::Mark{}, json_input::ParseErrorKind::syntax, "no YAML document in the file"));
    // A second document is refused where it starts: a file is one scenario or one suite.
    Document second;
    Builder rest(second, max_depth);
    if (parser.HandleNextDocument(rest))
      return std::unexpected(at_mark(text, rest.start(), json_input::ParseErrorKind::syntax,
                                     "a second YAML document: a scenario file holds one (a scenario or a list of them)"));
  } catch (const Refused& r) {
    return std::unexpected(at_mark(text, r.mark, r.kind, r.message));
  } catch (const YAML::DeepRecursion& e) {
    return std::unexpected(at_mark(text, e.mark, json_input::ParseErrorKind::too_deep,
                                   fmt::format("nested deeper than {} levels", max_depth)));
  } catch (const YAML::Exception& e) {
    return std::unexpected(at_mark(text, e.mark, json_input::ParseErrorKind::syntax, e.msg));
  }
  return doc;
}

bool is_yaml_file(std::string_view file_name) {
  auto ends_with = [&](std::string_view suffix) {
    if (file_name.size() < suffix.size()) return false;
    const auto tail = file_name.substr(file_name.size() - suffix.size());
    return std::equal(tail.begin(), tail.end(), suffix.begin(),
                      [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
  };
  return ends_with(".yaml") || ends_with(".yml");
}

}  // namespace lockstep::harness::yaml_input
