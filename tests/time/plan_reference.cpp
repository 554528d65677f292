#include "plan_reference.hpp"

#include <sstream>

#include <algorithm>
#include <array>
#include <cstdint>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lockstep/json_input.hpp"
#include "lockstep/rules.hpp"
#include "lockstep/time.hpp"

namespace lockstep::plan_reference {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 8> kKnownFields{"id",          "timezone",       "checkin", "checkout",
                                                       "days_before", "margin_minutes", "lock",    "booked_at"};

std::string error_line(const json& id, std::string_view code, std::string_view message) {
  json out = {{"id", id}, {"error", {{"code", code}, {"message", message}}}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Appends ,"name":"2026-03-29T01:30:00Z" (the answer is written by hand: it is
// the whole of `lockstep plan`'s output, a few hundred thousand lines a second).
void append_instant(std::string& out, std::string_view name, Instant t) {
  out += ",\"";
  out += name;
  out += "\":\"";
  out += format_instant(t);
  out += '"';
}

// Reads an optional integer setting; S4: a value of the wrong type is refused.
Result<int> read_int_setting(const json& in, const char* field, int fallback) {
  auto it = in.find(field);
  if (it == in.end() || it->is_null()) return fallback;
  if (!it->is_number_integer()) {
    return fail(ErrorCode::invalid_setting,
                fmt::format("{} must be an integer, got {}", field, it->dump()), field);
  }
  // An unsigned value past INT64_MAX is out of range, not a wrapped negative.
  if (it->is_number_unsigned() && it->get<std::uint64_t>() > 1'000'000u) {
    return fail(ErrorCode::invalid_setting, fmt::format("{} is out of range: {}", field, it->get<std::uint64_t>()),
                field);
  }
  const auto value = it->get<long long>();
  if (value < -1'000'000 || value > 1'000'000) {
    return fail(ErrorCode::invalid_setting, fmt::format("{} is out of range: {}", field, value), field);
  }
  return static_cast<int>(value);
}

// A view into `in`, valid while `in` is: no copy of the text.
Result<std::string_view> read_string(const json& in, const char* field, ErrorCode code, bool required) {
  auto it = in.find(field);
  if (it == in.end() || it->is_null()) {
    if (required) return fail(code, fmt::format("{} is missing", field), field);
    return std::string_view{};
  }
  if (!it->is_string()) {
    return fail(code, fmt::format("{} must be a string, got {}", field, it->dump()), field);
  }
  return std::string_view(it->get_ref<const std::string&>());
}

Result<std::string> plan_object(const json& in) {
  for (const auto& [key, value] : in.items()) {
    if (std::find(kKnownFields.begin(), kKnownFields.end(), std::string_view(key)) == kKnownFields.end()) {
      return fail(ErrorCode::invalid_json,
                  fmt::format("unknown field '{}' (fields: id, timezone, checkin, checkout, "
                              "days_before, margin_minutes, lock, booked_at)",
                              key),
                  key);
    }
  }
  auto tz_name = read_string(in, "timezone", ErrorCode::invalid_timezone, true);
  if (!tz_name) return std::unexpected(tz_name.error());
  auto zone = Zone::locate(*tz_name);
  if (!zone) return std::unexpected(zone.error());

  LockSettings settings;
  auto days = read_int_setting(in, "days_before", settings.days_before);
  if (!days) return std::unexpected(days.error());
  auto margin = read_int_setting(in, "margin_minutes", settings.margin_minutes);
  if (!margin) return std::unexpected(margin.error());
  settings.days_before = *days;
  settings.margin_minutes = *margin;
  if (auto ok = validate_settings(settings); !ok) return std::unexpected(ok.error());

  auto lock_text = read_string(in, "lock", ErrorCode::invalid_setting, false);
  if (!lock_text) return std::unexpected(lock_text.error());
  LockKind kind = LockKind::bridge;
  if (*lock_text == "algopin") {
    kind = LockKind::algopin;
  } else if (!lock_text->empty() && *lock_text != "bridge") {
    return fail(ErrorCode::invalid_setting,
                fmt::format("lock must be \"bridge\" or \"algopin\", got \"{}\"", *lock_text), "lock");
  }

  LocalDateTime local[2];
  const char* fields[2] = {"checkin", "checkout"};
  for (int i = 0; i < 2; ++i) {
    auto text = read_string(in, fields[i], ErrorCode::invalid_booking, true);
    if (!text) return std::unexpected(text.error());
    auto parsed = parse_local(*text);
    if (!parsed) {
      return fail(ErrorCode::invalid_booking, fmt::format("{}: {}", fields[i], parsed.error().message),
                  fields[i]);
    }
    local[i] = *parsed;
  }

  std::optional<Instant> booked_at;
  auto booked_text = read_string(in, "booked_at", ErrorCode::invalid_booking, false);
  if (!booked_text) return std::unexpected(booked_text.error());
  if (!booked_text->empty()) {
    auto parsed = parse_instant(*booked_text);
    if (!parsed) {
      return fail(ErrorCode::invalid_booking, fmt::format("booked_at: {}", parsed.error().message),
                  "booked_at");
    }
    booked_at = *parsed;
  }

  auto plan = plan_booking(*zone, local[0], local[1], settings, kind);
  if (!plan) return std::unexpected(plan.error());
  const Instant generate_at =
      booked_at && *booked_at > plan->generate_at ? *booked_at : plan->generate_at;
  // The fields after "id", each preceded by its comma.
  std::string out;
  out.reserve(200);
  append_instant(out, "valid_from", plan->valid_from);
  append_instant(out, "valid_until", plan->valid_until);
  append_instant(out, "generate_at", generate_at);
  append_instant(out, "retry_deadline", plan->retry_deadline);
  if (plan->algopin) {
    out += R"(,"algopin":{"type":")";
    out += to_string(plan->algopin->type);
    out += '"';
    append_instant(out, "start", plan->algopin->start);
    append_instant(out, "end", plan->algopin->end);
    out += "}}";
  } else {
    out += R"(,"algopin":null})";
  }
  return out;
}

}  // namespace

harness::PlanLineResult plan_line(std::string_view line, std::size_t line_number) {
  // Nesting is bounded like every other JSON lockstep reads (json_input::kMaxDepth);
  // nlohmann's parser is iterative, so the depth is measured on the way and judged
  // once the line is known to be JSON.
  std::size_t deepest = 0;
  auto measure = [&deepest](int depth, json::parse_event_t event, json&) {
    if (event == json::parse_event_t::object_start || event == json::parse_event_t::array_start)
      deepest = std::max(deepest, static_cast<std::size_t>(depth) + 1);
    return true;
  };
  // A line without a usable id is named by its number, so that its answer can be
  // matched to it.
  auto unnamed = [line_number](std::string_view message) { return fmt::format("line {}: {}", line_number, message); };
  // nlohmann reads a NUL byte as the end of the input; JSON text cannot hold one
  // (outside strings it is no token, inside it must be escaped), so it is refused.
  json in = line.find('\0') == std::string_view::npos ? json::parse(line, measure, /*allow_exceptions=*/false)
                                                       : json(json::value_t::discarded);
  if (in.is_discarded()) {
    return {error_line(nullptr, "invalid_json", unnamed("the line is not valid JSON")), false};
  }
  if (deepest > json_input::kMaxDepth) {
    return {error_line(nullptr, "invalid_json",
                       unnamed(fmt::format("nested deeper than {} levels", json_input::kMaxDepth))),
            false};
  }
  if (!in.is_object()) {
    return {error_line(nullptr, "invalid_json", unnamed("the line must be a JSON object")), false};
  }
  json id = nullptr;
  if (auto it = in.find("id"); it != in.end()) id = *it;
  auto body = plan_object(in);
  if (!body) {
    const std::string& message = body.error().message;
    return {error_line(id, to_string(body.error().code), id.is_null() ? unnamed(message) : message), false};
  }
  std::string out = R"({"id":)";
  out += id.dump(-1, ' ', false, json::error_handler_t::replace);
  out += *body;
  return {std::move(out), true};
}

std::string plan_stream(std::string_view input, bool& any_bad) {
  // The CLI's loop as it was: std::getline, blank lines skipped but counted.
  std::istringstream in{std::string(input)};
  std::string out;
  std::string line;
  std::size_t line_number = 0;
  any_bad = false;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto result = plan_line(line, line_number);
    any_bad |= !result.ok;
    out += result.json;
    out += '\n';
  }
  return out;
}

}  // namespace lockstep::plan_reference
