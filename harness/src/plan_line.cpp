// `lockstep plan`, one line: read with simdjson's On Demand API, which walks the
// line's text once and hands over each field as it passes, without building a
// tree. The answers and errors are byte for byte those of the nlohmann
// implementation this replaced (tests/time/plan_reference.cpp keeps it, and
// tests/time/plan_differential_test.cpp compares the two), which fixes a few
// choices that would otherwise look arbitrary:
//  - the whole line is judged as JSON before any field is (a syntax error
//    anywhere, even inside an unknown field, is `invalid_json`);
//  - of repeated keys the last one counts; of several unknown fields the error
//    names the smallest (nlohmann keeps an object's keys sorted);
//  - an echoed id or a value quoted in an error message is written as nlohmann
//    writes it (sorted keys, its number format), so those rare values go through
//    nlohmann's serializer; every ordinary answer is written by hand.
#include "lockstep/harness/plan_line.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <simdjson.h>

#include "lockstep/json_input.hpp"
#include "lockstep/rules.hpp"
#include "lockstep/time.hpp"

namespace lockstep::harness {
namespace {

namespace od = simdjson::ondemand;
using nlohmann::json;

// One field's value as read, for the fields plan knows. Strings are views into
// the parser's buffer, valid for this line.
struct Value {
  enum class Kind : std::uint8_t { absent, null, boolean, string, signed_integer, unsigned_integer, floating, tree };
  Kind kind = Kind::absent;
  bool boolean = false;
  std::string_view text;
  std::int64_t signed_value = 0;
  std::uint64_t unsigned_value = 0;
  double floating = 0;
  std::shared_ptr<const json> tree;  // an array or object, built only when one is given (rare)

  bool missing() const { return kind == Kind::absent || kind == Kind::null; }
  bool is_integer() const { return kind == Kind::signed_integer || kind == Kind::unsigned_integer; }

  // As nlohmann holds it (for echoing an id or quoting a value).
  json to_json() const {
    switch (kind) {
      case Kind::absent:
      case Kind::null: return nullptr;
      case Kind::boolean: return boolean;
      case Kind::string: return std::string(text);
      case Kind::signed_integer: return signed_value;
      case Kind::unsigned_integer: return unsigned_value;
      case Kind::floating: return floating;
      case Kind::tree: return tree ? *tree : json(nullptr);
    }
    return nullptr;
  }
};

enum class Field : std::uint8_t { id, timezone, checkin, checkout, days_before, margin_minutes, lock, booked_at, count };

std::optional<Field> known_field(std::string_view key) {
  static constexpr std::array<std::string_view, 8> names{"id",          "timezone",       "checkin", "checkout",
                                                         "days_before", "margin_minutes", "lock",    "booked_at"};
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == key) return static_cast<Field>(i);
  return std::nullopt;
}

// What reading the line as JSON found.
enum class Verdict : std::uint8_t { ok, syntax, too_deep };

// Checks a number's text against JSON's grammar and reads it the way nlohmann
// does: an integer that fits is signed (negative) or unsigned, any other
// integer or a fraction/exponent is a double, and a double that overflows is
// not JSON (nlohmann's "number overflow").
Verdict read_number(std::string_view token, Value& out) {
  // raw_json_token() ends at the next structural character: trailing blanks are
  // the separator, anything else glued to the number is not JSON.
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t' || token.back() == '\n' || token.back() == '\r'))
    token.remove_suffix(1);
  std::size_t i = 0;
  const std::size_t n = token.size();
  auto digit = [&](std::size_t k) { return k < n && token[k] >= '0' && token[k] <= '9'; };
  const bool negative = i < n && token[i] == '-';
  if (negative) ++i;
  if (!digit(i)) return Verdict::syntax;
  if (token[i] == '0') {
    ++i;
  } else {
    while (digit(i)) ++i;
  }
  bool integer = true;
  if (i < n && token[i] == '.') {
    integer = false;
    ++i;
    if (!digit(i)) return Verdict::syntax;
    while (digit(i)) ++i;
  }
  if (i < n && (token[i] == 'e' || token[i] == 'E')) {
    integer = false;
    ++i;
    if (i < n && (token[i] == '+' || token[i] == '-')) ++i;
    if (!digit(i)) return Verdict::syntax;
    while (digit(i)) ++i;
  }
  if (i != n) return Verdict::syntax;
  const char* first = token.data();
  const char* last = token.data() + n;
  if (integer) {
    if (negative) {
      if (auto [end, ec] = std::from_chars(first, last, out.signed_value); ec == std::errc{} && end == last) {
        out.kind = Value::Kind::signed_integer;
        return Verdict::ok;
      }
    } else if (auto [end, ec] = std::from_chars(first, last, out.unsigned_value); ec == std::errc{} && end == last) {
      out.kind = Value::Kind::unsigned_integer;
      return Verdict::ok;
    }
  }
  // strtod as nlohmann uses it: underflow reads as (nearly) zero, overflow is refused.
  const std::string text(token);
  out.floating = std::strtod(text.c_str(), nullptr);
  if (!std::isfinite(out.floating)) return Verdict::syntax;
  out.kind = Value::Kind::floating;
  return Verdict::ok;
}

// Reads `v` whole, checking it is JSON (On Demand checks only what is read), at
// nesting level `depth` when it is an array or object. With `out`, its value is
// kept (a tree only for arrays and objects, which no known field wants anyway).
Verdict read_value(od::value v, std::size_t depth, Value* out);

// Reads an array or object into `tree` (when given), checking every element.
Verdict read_tree(od::value v, od::json_type type, std::size_t depth, json* tree) {
  if (depth > json_input::kMaxDepth) return Verdict::too_deep;
  if (type == od::json_type::array) {
    od::array array;
    if (v.get_array().get(array)) return Verdict::syntax;
    if (tree) *tree = json::array();
    for (auto element : array) {
      od::value item;
      if (element.get(item)) return Verdict::syntax;
      Value kept;
      const Verdict verdict = read_value(item, depth + 1, tree ? &kept : nullptr);
      if (verdict != Verdict::ok) return verdict;
      if (tree) tree->push_back(kept.to_json());
    }
    return Verdict::ok;
  }
  od::object object;
  if (v.get_object().get(object)) return Verdict::syntax;
  if (tree) *tree = json::object();
  for (auto member : object) {
    od::field field;
    std::string_view key;
    if (std::move(member).get(field) || field.unescaped_key().get(key)) return Verdict::syntax;
    Value kept;
    const Verdict verdict = read_value(field.value(), depth + 1, tree ? &kept : nullptr);
    if (verdict != Verdict::ok) return verdict;
    if (tree) (*tree)[std::string(key)] = kept.to_json();
  }
  return Verdict::ok;
}

Verdict read_value(od::value v, std::size_t depth, Value* out) {
  od::json_type type;
  if (v.type().get(type)) return Verdict::syntax;
  Value scratch;
  Value& value = out ? *out : scratch;
  switch (type) {
    case od::json_type::array:
    case od::json_type::object: {
      if (!out) return read_tree(v, type, depth, nullptr);
      auto tree = std::make_shared<json>();
      const Verdict verdict = read_tree(v, type, depth, tree.get());
      value.tree = std::move(tree);
      value.kind = Value::Kind::tree;
      return verdict;
    }
    case od::json_type::string:
      if (v.get_string().get(value.text)) return Verdict::syntax;
      value.kind = Value::Kind::string;
      return Verdict::ok;
    case od::json_type::number: {
      return read_number(v.raw_json_token(), value);
    }
    case od::json_type::boolean:
      if (v.get_bool().get(value.boolean)) return Verdict::syntax;
      value.kind = Value::Kind::boolean;
      return Verdict::ok;
    case od::json_type::null: {
      bool is_null = false;
      if (v.is_null().get(is_null) || !is_null) return Verdict::syntax;
      value.kind = Value::Kind::null;
      return Verdict::ok;
    }
  }
  return Verdict::syntax;
}

// nlohmann's verdict on a line that On Demand cannot settle cheaply (its top is
// not an object, or it nests past the limit): is it JSON, and how deep does it
// go. Its SAX parser is iterative, so any depth is safe; no tree is built.
struct DepthSax : nlohmann::json_sax<json> {
  std::size_t depth = 0;
  std::size_t deepest = 0;
  bool open() {
    deepest = std::max(deepest, ++depth);
    return true;
  }
  bool close() {
    --depth;
    return true;
  }
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(std::int64_t) override { return true; }
  bool number_unsigned(std::uint64_t) override { return true; }
  bool number_float(double, const std::string&) override { return true; }
  bool string(std::string&) override { return true; }
  bool binary(json::binary_t&) override { return true; }
  bool start_object(std::size_t) override { return open(); }
  bool key(std::string&) override { return true; }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }
};

struct Shape {
  bool json = false;
  std::size_t deepest = 0;
};

Shape judge_with_nlohmann(std::string_view line) {
  DepthSax sax;
  Shape shape;
  if (line.find('\0') != std::string_view::npos) return shape;  // nlohmann would stop there; JSON has no NUL
  shape.json = json::sax_parse(line.begin(), line.end(), &sax);
  shape.deepest = sax.deepest;
  return shape;
}

std::string error_line(const json& id, std::string_view code, std::string_view message) {
  json out = {{"id", id}, {"error", {{"code", code}, {"message", message}}}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Appends ,"name":"2026-03-29T01:30:00Z".
void append_named_instant(std::string& out, std::string_view name, Instant t) {
  out += ",\"";
  out += name;
  out += "\":\"";
  lockstep::append_instant(out, t);
  out += '"';
}

// A string as nlohmann writes it (quotes, backslash and control characters
// escaped, everything else as is: the text is valid UTF-8, simdjson checked).
void append_string(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void append_id(std::string& out, const Value& id) {
  switch (id.kind) {
    case Value::Kind::absent:
    case Value::Kind::null: out += "null"; return;
    case Value::Kind::string: append_string(out, id.text); return;
    case Value::Kind::signed_integer: fmt::format_to(std::back_inserter(out), "{}", id.signed_value); return;
    case Value::Kind::unsigned_integer: fmt::format_to(std::back_inserter(out), "{}", id.unsigned_value); return;
    default: out += id.to_json().dump(-1, ' ', false, json::error_handler_t::replace); return;
  }
}

// An optional integer setting; S4: a value of the wrong type is refused.
Result<int> read_int_setting(const Value& v, const char* field, int fallback) {
  if (v.missing()) return fallback;
  if (!v.is_integer()) {
    return fail(ErrorCode::invalid_setting, fmt::format("{} must be an integer, got {}", field, v.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)),
                field);
  }
  // An unsigned value past INT64_MAX is out of range, not a wrapped negative.
  if (v.kind == Value::Kind::unsigned_integer && v.unsigned_value > 1'000'000u) {
    return fail(ErrorCode::invalid_setting, fmt::format("{} is out of range: {}", field, v.unsigned_value), field);
  }
  const long long value =
      v.kind == Value::Kind::signed_integer ? v.signed_value : static_cast<long long>(v.unsigned_value);
  if (value < -1'000'000 || value > 1'000'000) {
    return fail(ErrorCode::invalid_setting, fmt::format("{} is out of range: {}", field, value), field);
  }
  return static_cast<int>(value);
}

// A required or optional string field; an absent optional one reads as "".
Result<std::string_view> read_string(const Value& v, const char* field, ErrorCode code, bool required) {
  if (v.missing()) {
    if (required) return fail(code, fmt::format("{} is missing", field), field);
    return std::string_view{};
  }
  if (v.kind != Value::Kind::string) {
    return fail(code, fmt::format("{} must be a string, got {}", field, v.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)), field);
  }
  return v.text;
}

using Fields = std::array<Value, static_cast<std::size_t>(Field::count)>;

// Appends the schedule's fields after "id", each preceded by its comma, and the
// closing brace.
Result<void> plan_fields(const Fields& in, std::string_view unknown_field, bool any_unknown, std::string& out) {
  auto at = [&in](Field f) -> const Value& { return in[static_cast<std::size_t>(f)]; };
  if (any_unknown) {
    return fail(ErrorCode::invalid_json,
                fmt::format("unknown field '{}' (fields: id, timezone, checkin, checkout, "
                            "days_before, margin_minutes, lock, booked_at)",
                            unknown_field),
                std::string(unknown_field));
  }
  auto tz_name = read_string(at(Field::timezone), "timezone", ErrorCode::invalid_timezone, true);
  if (!tz_name) return std::unexpected(tz_name.error());
  auto zone = Zone::locate(*tz_name);
  if (!zone) return std::unexpected(zone.error());

  LockSettings settings;
  auto days = read_int_setting(at(Field::days_before), "days_before", settings.days_before);
  if (!days) return std::unexpected(days.error());
  auto margin = read_int_setting(at(Field::margin_minutes), "margin_minutes", settings.margin_minutes);
  if (!margin) return std::unexpected(margin.error());
  settings.days_before = *days;
  settings.margin_minutes = *margin;
  if (auto ok = validate_settings(settings); !ok) return std::unexpected(ok.error());

  auto lock_text = read_string(at(Field::lock), "lock", ErrorCode::invalid_setting, false);
  if (!lock_text) return std::unexpected(lock_text.error());
  LockKind kind = LockKind::bridge;
  if (*lock_text == "algopin") {
    kind = LockKind::algopin;
  } else if (!lock_text->empty() && *lock_text != "bridge") {
    return fail(ErrorCode::invalid_setting,
                fmt::format("lock must be \"bridge\" or \"algopin\", got \"{}\"", *lock_text), "lock");
  }

  LocalDateTime local[2];
  const char* names[2] = {"checkin", "checkout"};
  const Field fields[2] = {Field::checkin, Field::checkout};
  for (int i = 0; i < 2; ++i) {
    auto text = read_string(at(fields[i]), names[i], ErrorCode::invalid_booking, true);
    if (!text) return std::unexpected(text.error());
    auto parsed = parse_local(*text);
    if (!parsed) {
      return fail(ErrorCode::invalid_booking, fmt::format("{}: {}", names[i], parsed.error().message), names[i]);
    }
    local[i] = *parsed;
  }

  std::optional<Instant> booked_at;
  auto booked_text = read_string(at(Field::booked_at), "booked_at", ErrorCode::invalid_booking, false);
  if (!booked_text) return std::unexpected(booked_text.error());
  if (!booked_text->empty()) {
    auto parsed = parse_instant(*booked_text);
    if (!parsed) {
      return fail(ErrorCode::invalid_booking, fmt::format("booked_at: {}", parsed.error().message), "booked_at");
    }
    booked_at = *parsed;
  }

  auto plan = plan_booking(*zone, local[0], local[1], settings, kind);
  if (!plan) return std::unexpected(plan.error());
  const Instant generate_at = booked_at && *booked_at > plan->generate_at ? *booked_at : plan->generate_at;
  append_named_instant(out, "valid_from", plan->valid_from);
  append_named_instant(out, "valid_until", plan->valid_until);
  append_named_instant(out, "generate_at", generate_at);
  append_named_instant(out, "retry_deadline", plan->retry_deadline);
  if (plan->algopin) {
    out += R"(,"algopin":{"type":")";
    out += to_string(plan->algopin->type);
    out += '"';
    append_named_instant(out, "start", plan->algopin->start);
    append_named_instant(out, "end", plan->algopin->end);
    out += "}}";
  } else {
    out += R"(,"algopin":null})";
  }
  return {};
}

// The line copied with the zeroed padding simdjson reads past the end of its
// input; one buffer and one parser per thread, reused line after line.
struct Reader {
  od::parser parser;
  std::vector<char> buffer;

  simdjson::padded_string_view pad(std::string_view line) {
    const std::size_t need = line.size() + simdjson::SIMDJSON_PADDING;
    if (buffer.size() < need) buffer.resize(std::max(need, std::size_t{4096}));
    std::memcpy(buffer.data(), line.data(), line.size());
    std::memset(buffer.data() + line.size(), 0, simdjson::SIMDJSON_PADDING);
    return simdjson::padded_string_view(buffer.data(), line.size(), buffer.size());
  }
};

}  // namespace

bool append_plan_line(std::string& out, std::string_view line, std::size_t line_number) {
  // A line without a usable id is named by its number, so that its answer can be
  // matched to it.
  auto unnamed = [line_number](std::string_view message) { return fmt::format("line {}: {}", line_number, message); };
  auto invalid = [&](std::string_view message) {
    out += error_line(nullptr, "invalid_json", unnamed(message));
    return false;
  };
  auto not_json = [&] { return invalid("the line is not valid JSON"); };
  auto too_deep = [&] { return invalid(fmt::format("nested deeper than {} levels", json_input::kMaxDepth)); };
  // nlohmann skipped a UTF-8 byte order mark; simdjson would not.
  std::string_view text = line;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);

  thread_local Reader reader;
  od::document doc;
  if (reader.parser.iterate(reader.pad(text)).get(doc)) return not_json();
  od::json_type top;
  if (doc.type().get(top)) return not_json();
  if (top != od::json_type::object) {
    const Shape shape = judge_with_nlohmann(line);
    if (!shape.json) return not_json();
    if (shape.deepest > json_input::kMaxDepth) return too_deep();
    return invalid("the line must be a JSON object");
  }

  Fields fields;
  std::string_view unknown;  // the smallest unknown key
  bool any_unknown = false;
  Verdict verdict = Verdict::ok;
  od::object object;
  if (doc.get_object().get(object)) return not_json();
  for (auto member : object) {
    od::field field;
    std::string_view key;
    if (std::move(member).get(field) || field.unescaped_key().get(key)) {
      verdict = Verdict::syntax;
      break;
    }
    const auto known = known_field(key);
    if (!known && (!any_unknown || key < unknown)) {
      unknown = key;
      any_unknown = true;
    }
    Value* keep = known ? &fields[static_cast<std::size_t>(*known)] : nullptr;
    if (keep) *keep = Value{};  // a repeated key: the last one counts
    verdict = read_value(field.value(), 2, keep);
    if (verdict != Verdict::ok) break;
  }
  // Nothing may follow the object (simdjson 3.0 has no document::at_end: past
  // the last token, current_location() is out of bounds).
  const char* rest = nullptr;
  if (verdict == Verdict::ok && doc.current_location().get(rest) != simdjson::OUT_OF_BOUNDS) verdict = Verdict::syntax;
  if (verdict == Verdict::too_deep) {
    // Too deep so far; but a syntax error later in the line still comes first.
    return judge_with_nlohmann(line).json ? too_deep() : not_json();
  }
  if (verdict == Verdict::syntax) return not_json();

  const Value& id = fields[static_cast<std::size_t>(Field::id)];
  const std::size_t start = out.size();
  out += R"({"id":)";
  append_id(out, id);
  if (auto planned = plan_fields(fields, unknown, any_unknown, out); !planned) {
    out.resize(start);
    const std::string& message = planned.error().message;
    out += error_line(id.to_json(), to_string(planned.error().code), id.missing() ? unnamed(message) : message);
    return false;
  }
  return true;
}

PlanLineResult plan_line(std::string_view line, std::size_t line_number) {
  PlanLineResult result;
  result.ok = append_plan_line(result.json, line, line_number);
  return result;
}

}  // namespace lockstep::harness
