#include "lockstep/harness/profile.hpp"

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "input_problems.hpp"
#include "lockstep/json_input.hpp"

namespace lockstep::harness {

using nlohmann::json;

namespace detail {
namespace {

Result<int> integer_in(const json& value, const std::string& key, int low, int high) {
  if (!value.is_number_integer())
    return fail(ErrorCode::invalid_setting, fmt::format("'{}' must be an integer from {} to {}", key, low, high), key);
  const auto v = value.get<long long>();
  if (v < low || v > high)
    return fail(ErrorCode::invalid_setting,
                fmt::format("'{}' is {}, must be from {} to {}", key, v, low, high), key);
  return static_cast<int>(v);
}

// "HH:MM", 00:00 to 23:59.
Result<Minutes> time_of_day(const json& value, const std::string& key) {
  auto bad = [&] {
    return fail(ErrorCode::invalid_setting,
                fmt::format("'{}' must be a local time of day \"HH:MM\" (00:00 to 23:59), got {}", key,
                            detail::describe(value)),
                key);
  };
  if (!value.is_string()) return bad();
  const auto s = value.get<std::string>();
  if (s.size() != 5 || s[2] != ':') return bad();
  for (int i : {0, 1, 3, 4})
    if (s[static_cast<std::size_t>(i)] < '0' || s[static_cast<std::size_t>(i)] > '9') return bad();
  const int h = (s[0] - '0') * 10 + (s[1] - '0');
  const int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 23 || m > 59) return bad();
  return Minutes(h * 60 + m);
}

}  // namespace
}  // namespace detail

Result<Profile> parse_profile(std::string_view text) { return parse_profile(text, "profile"); }

Result<Profile> parse_profile(std::string_view text, std::string_view file) {
  auto doc = json_input::parse(text);
  if (!doc) return fail(ErrorCode::invalid_json, detail::format_parse_error(file, text, doc.error()));
  if (!doc->is_object()) return fail(ErrorCode::invalid_json, fmt::format("{}: a profile must be a JSON object", file));
  return profile_from_json(*doc);
}

Result<Profile> profile_from_json(const nlohmann::json& doc) {
  if (!doc.is_object()) return fail(ErrorCode::invalid_json, "profile must be a JSON object");
  Profile p;
  for (const auto& [key, value] : doc.items()) {
    if (key == "generation_local_time") {
      auto t = detail::time_of_day(value, key);
      if (!t) return std::unexpected(t.error());
      p.generation_local_time = *t;
    } else if (key == "retry_interval_minutes") {
      auto v = detail::integer_in(value, key, 1, 1440);
      if (!v) return std::unexpected(v.error());
      p.retry_interval = Minutes(*v);
    } else if (key == "retry_deadline") {
      std::optional<RetryDeadline> d;
      if (value.is_string()) d = retry_deadline_from_string(value.get<std::string>());
      if (!d)
        return fail(ErrorCode::invalid_setting,
                    fmt::format("'retry_deadline' must be \"end_of_checkin_day\", \"start_of_checkin_day\" or "
                                "\"checkin_time\", got {}",
                                detail::describe(value)),
                    key);
      p.retry_deadline = *d;
    } else if (key == "schedule_tolerance_minutes") {
      auto v = detail::integer_in(value, key, 0, 1440);
      if (!v) return std::unexpected(v.error());
      p.schedule_tolerance = Minutes(*v);
    } else if (key == "disconnect_deletes_future_codes") {
      if (!value.is_boolean())
        return fail(ErrorCode::invalid_setting,
                    fmt::format("'disconnect_deletes_future_codes' must be true or false, got {}",
                                detail::describe(value)),
                    key);
      p.disconnect_deletes_future_codes = value.get<bool>();
    } else {
      return fail(ErrorCode::invalid_setting,
                  fmt::format("unknown key '{}' (known: generation_local_time, retry_interval_minutes, "
                              "retry_deadline, schedule_tolerance_minutes, disconnect_deletes_future_codes)",
                              detail::cut(key, 80)),
                  detail::cut(key, 80));
    }
  }
  return p;
}

Result<Profile> load_profile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::io_error, fmt::format("{}: cannot read the profile file", path));
  std::ostringstream text;
  text << in.rdbuf();
  auto p = parse_profile(text.str(), path);
  // Parse errors already start with "path:line:col"; the others get the path.
  if (!p && p.error().code != ErrorCode::invalid_json) {
    auto e = p.error();
    e.message = fmt::format("{}: {}", path, e.message);
    return std::unexpected(std::move(e));
  }
  return p;
}

std::string profile_to_json(const Profile& p) {
  const auto minutes = p.generation_local_time.count();
  json doc{{"generation_local_time", fmt::format("{:02}:{:02}", minutes / 60, minutes % 60)},
           {"retry_interval_minutes", p.retry_interval.count()},
           {"retry_deadline", std::string(to_string(p.retry_deadline))},
           {"schedule_tolerance_minutes", p.schedule_tolerance.count()},
           {"disconnect_deletes_future_codes", p.disconnect_deletes_future_codes}};
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace lockstep::harness
