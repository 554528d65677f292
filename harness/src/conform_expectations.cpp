#include "lockstep/harness/conform_expectations.hpp"

#include <fstream>
#include <sstream>

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "input_problems.hpp"
#include "lockstep/json_input.hpp"
#include "lockstep/rule.hpp"

namespace lockstep::harness {

using nlohmann::json;

bool AcceptedDivergence::matches(std::string_view scenario_id, std::string_view rule_id,
                                 std::string_view booking_id) const {
  return scenario == scenario_id && rule == rule_id && (!booking || *booking == booking_id);
}

const AcceptedDivergence* Expectations::find(std::string_view scenario_id, std::string_view rule_id,
                                             std::string_view booking_id) const {
  for (const auto& a : accepted)
    if (a.matches(scenario_id, rule_id, booking_id)) return &a;
  return nullptr;
}

Result<Expectations> parse_expectations(std::string_view text) { return parse_expectations(text, "expectations"); }

Result<Expectations> parse_expectations(std::string_view text, std::string_view file) {
  auto parsed = json_input::parse(text);
  if (!parsed) return fail(ErrorCode::invalid_json, detail::format_parse_error(file, text, parsed.error()));
  const json& doc = *parsed;
  if (!doc.is_object())
    return fail(ErrorCode::invalid_json, fmt::format("{}: expectations must be a JSON object", file));
  for (const auto& [key, value] : doc.items()) {
    if (key != "accepted")
      return fail(ErrorCode::invalid_argument, fmt::format("unknown key '{}' (known: accepted)", detail::cut(key, 80)),
                  detail::cut(key, 80));
  }
  Expectations out;
  if (!doc.contains("accepted")) return out;
  const auto& list = doc["accepted"];
  if (!list.is_array()) return fail(ErrorCode::invalid_argument, "'accepted' must be an array", "accepted");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& entry = list[i];
    const auto where = fmt::format("accepted[{}]", i);
    if (!entry.is_object()) return fail(ErrorCode::invalid_argument, where + " must be an object", where);
    AcceptedDivergence a;
    for (const auto& [key, value] : entry.items()) {
      if (key != "scenario" && key != "rule" && key != "booking" && key != "reason")
        return fail(ErrorCode::invalid_argument,
                    fmt::format("{}: unknown key '{}' (known: scenario, rule, booking, reason)", where,
                                detail::cut(key, 80)),
                    where + "." + detail::cut(key, 80));
      if (key == "booking" && value.is_null()) continue;
      if (!value.is_string() || value.get<std::string>().empty())
        return fail(ErrorCode::invalid_argument, fmt::format("{}.{} must be a non-empty string", where, key),
                    where + "." + key);
    }
    for (const char* required : {"scenario", "rule", "reason"}) {
      if (!entry.contains(required))
        return fail(ErrorCode::invalid_argument,
                    fmt::format("{}: '{}' is missing{}", where, required,
                                std::string_view(required) == "reason"
                                    ? " (say why the divergence is accepted, e.g. a ticket)"
                                    : ""),
                    where + "." + required);
    }
    a.scenario = entry["scenario"].get<std::string>();
    a.rule = entry["rule"].get<std::string>();
    // An unknown rule would never match a divergence: the entry would accept nothing, silently.
    const auto ids = lockstep::rule_ids();
    if (std::find(ids.begin(), ids.end(), a.rule) == ids.end())
      return fail(ErrorCode::invalid_argument,
                  fmt::format("{}.rule: unknown rule id \"{}\" (behaviour.md's ids: T1 ... M1)", where,
                              detail::cut(a.rule, 80)),
                  where + ".rule");
    a.reason = entry["reason"].get<std::string>();
    if (entry.contains("booking") && !entry["booking"].is_null() && entry["booking"].get<std::string>() != "*")
      a.booking = entry["booking"].get<std::string>();
    out.accepted.push_back(std::move(a));
  }
  return out;
}

Result<Expectations> load_expectations(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::io_error, fmt::format("{}: cannot read the expectations file", path));
  std::ostringstream text;
  text << in.rdbuf();
  auto e = parse_expectations(text.str(), path);
  // Parse errors already start with "path:line:col"; the others get the path.
  if (!e && e.error().code != ErrorCode::invalid_json) {
    auto err = e.error();
    err.message = fmt::format("{}: {}", path, err.message);
    return std::unexpected(std::move(err));
  }
  return e;
}

}  // namespace lockstep::harness
