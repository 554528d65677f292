// algoPIN: offline codes computed from the lock's secret, no bridge needed
// (POST /devices/{lockId}/algopin/{hourly|daily|onetime|permanent}): the
// date rules, the per-type limits, variances and the per-lock PIN limit.
#include <algorithm>

#include <fmt/format.h>

#include "state.hpp"

namespace lockstep::mock::internal {

Answer Handler::algopin(const std::string& lock_id, const std::string& type) {
  auto read = read_json_body(ctx_);
  if (!read) return read.error();
  const json& body = **read;
  if (auto missing = visible_device(lock_id)) return *missing;
  const Lock* lock = s_.lock(lock_id);
  if (lock == nullptr) {
    return error_answer(http::status::bad_request, "invalid_request",
                        fmt::format("lockId: '{}' is a bridge, not a lock", lock_id));
  }
  if (!lock->algopin) {
    return error_answer(http::status::bad_request, "invalid_request",
                        fmt::format("lockId: lock '{}' does not support algoPIN", lock_id));
  }
  int variance = 1;
  if (body.contains("variance")) {
    const auto& v = body["variance"];
    if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > 3) {
      return error_answer(http::status::bad_request, "invalid_request", "variance: must be 1, 2 or 3");
    }
    variance = v.get<int>();
  }
  std::string access_name;
  if (body.contains("accessName")) {
    if (!body["accessName"].is_string()) {
      return error_answer(http::status::bad_request, "invalid_request", "accessName: expected a string");
    }
    access_name = body["accessName"].get<std::string>();
  }
  auto read_date = [&](std::string_view key) -> std::expected<detail::WrittenDate, Answer> {
    const std::string k(key);
    if (!body.contains(k)) {
      return std::unexpected(error_answer(http::status::bad_request, "invalid_request", fmt::format("{}: missing", key)));
    }
    auto written = body[k].is_string() ? detail::parse_written_date(body[k].get<std::string>()) : std::nullopt;
    if (!written || !written->on_the_hour || !written->explicit_offset) {
      return std::unexpected(error_answer(
          http::status::bad_request, "invalid_request",
          fmt::format("{}: must be YYYY-MM-DDTHH:00:00±hh:mm (on the hour, explicit offset)", key)));
    }
    return *written;
  };
  auto start = read_date("startDate");
  if (!start) return start.error();
  // igloohome-api.md "algoPIN": a start before the current hour is refused (the
  // current hour itself is accepted: production clients floor now to the hour).
  // The hour is the one on the date's own offset, as the client floored it.
  const auto local_now = ctx_.now + start->offset;
  const Instant hour_start = std::chrono::floor<std::chrono::hours>(local_now) - start->offset;
  if (start->instant < hour_start) {
    return error_answer(http::status::bad_request, "invalid_request",
                        fmt::format("startDate: 'startDate' must be now or after (the current hour began at {})",
                                    format_with_offset(hour_start, start->offset)));
  }
  AlgoPinRecord rec;
  rec.lock_id = lock_id;
  rec.type = type;
  rec.start = start->instant;
  rec.variance = variance;
  rec.access_name = access_name;
  if (type == "hourly" || type == "daily") {
    auto end = read_date("endDate");
    if (!end) return end.error();
    if (end->instant <= start->instant) {
      return error_answer(http::status::bad_request, "invalid_request", "endDate: must be after startDate");
    }
    if (type == "hourly") {
      const auto hours = std::chrono::duration_cast<std::chrono::hours>(end->instant - start->instant).count();
      if (hours < 1 || hours > 672) {
        return error_answer(http::status::bad_request, "invalid_request",
                            fmt::format("endDate: an hourly algoPIN lasts 1 to 672 hours (got {})", hours));
      }
    } else {
      const auto start_day = date::floor<date::days>(start->civil);
      const auto end_day = date::floor<date::days>(end->civil);
      if (start->civil - start_day != end->civil - end_day) {
        return error_answer(http::status::bad_request, "invalid_request",
                            "endDate: a daily algoPIN starts and ends at the same time of day");
      }
      const auto days = (end_day - start_day).count();
      if (days < 29 || days > 367) {
        return error_answer(http::status::bad_request, "invalid_request",
                            fmt::format("endDate: a daily algoPIN lasts 29 to 367 days (got {})", days));
      }
    }
    rec.end = end->instant;
  } else if (type == "onetime") {
    rec.end = later(start->instant, std::chrono::hours{24});
  }

  const auto& on_lock = Mock::State::of(s_.algopins_of, lock_id);
  const auto identical = std::count_if(on_lock.begin(), on_lock.end(), [&](std::size_t i) {
    const AlgoPinRecord& a = s_.algopins[i];
    return a.type == type && a.start == rec.start && a.end == rec.end;
  });
  if (identical >= 3) {
    return error_answer(http::status::bad_request, "no_variance_available",
                        "three algoPINs already exist for this lock, type and window");
  }
  if (s_.pins_on_lock(lock_id, ctx_.now) >= s_.world.limits.pins_per_lock) {
    return error_answer(http::status::bad_request, "pin_limit_reached",
                        fmt::format("lock '{}' already holds {} PINs", lock_id, s_.world.limits.pins_per_lock));
  }
  rec.pin = detail::algopin_value(lock->device_secret, type, rec.start,
                                  type == "onetime" ? std::nullopt : rec.end, variance);
  rec.pin_id = fmt::format("algo-{}", s_.next_algopin++);
  rec.issued_at = ctx_.now;
  s_.add_algopin(rec);
  return ok_answer({{"pin", rec.pin}, {"pinId", rec.pin_id}});
}

}  // namespace lockstep::mock::internal
