#include "lockstep/harness/api_calls.hpp"

#include <algorithm>
#include <map>
#include <string_view>
#include <unordered_set>

namespace lockstep::harness {

using nlohmann::json;

namespace {

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < path.size()) {
    const auto j = path.find('/', i);
    const auto end = j == std::string_view::npos ? path.size() : j;
    if (end > i) out.push_back(path.substr(i, end - i));
    i = end + 1;
  }
  return out;
}

std::optional<Instant> instant_field(const json& body, const char* field) {
  if (!body.is_object() || !body.contains(field) || !body[field].is_string()) return std::nullopt;
  auto t = parse_instant(body[field].get<std::string>());
  if (!t) return std::nullopt;
  return *t;
}

std::string string_field(const json& body, const char* field) {
  if (!body.is_object() || !body.contains(field) || !body[field].is_string()) return {};
  return body[field].get<std::string>();
}

// The bodies are parsed only for the calls whose fields are read from them.
ApiCall parse_one(std::size_t index, const mock::JournalEntry& e) {
  ApiCall c;
  c.index = index;
  c.at = e.at;
  c.method = e.method;
  c.path = e.path;
  c.status = e.status;
  if (c.path.ends_with("/oauth2/token")) {
    c.kind = ApiCall::Kind::token;
    return c;
  }
  const auto parts = segments(c.path);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i] == "jobs" && i + 1 < parts.size() && c.method == "GET" && (i == 0 || parts[i - 1] != "devices") &&
        (i < 2 || parts[i - 2] != "devices")) {
      c.kind = ApiCall::Kind::job_status;
      c.job_id = std::string(parts[i + 1]);
      if (const json response = e.response(); response.is_object()) {
        const json job = response.contains("jobResponse") ? response["jobResponse"] : json();
        const int status = job.is_object() && job.contains("jobStatus") && job["jobStatus"].is_number_integer()
                               ? job["jobStatus"].get<int>()
                               : -1;
        if ((response.contains("completed") && response["completed"] == true) || status == 0) c.job_done = true;
        else if (status == 2) c.job_done = false;
      }
      return c;
    }
    if (parts[i] != "devices" || i + 2 >= parts.size() || c.method != "POST") continue;
    c.lock = std::string(parts[i + 1]);
    if (parts[i + 2] == "jobs" && i + 3 < parts.size() && parts[i + 3] == "bridges") {
      const json body = e.body();
      const int type = body.is_object() && body.contains("jobType") && body["jobType"].is_number_integer()
                           ? body["jobType"].get<int>()
                           : 0;
      if (type != 4 && type != 5) return c;
      const json data = body.is_object() && body.contains("jobData") ? body["jobData"] : json();
      c.kind = type == 4 ? ApiCall::Kind::create_pin : ApiCall::Kind::delete_pin;
      c.pin = string_field(data, "pin");
      c.access_name = string_field(data, "accessName");
      c.start = instant_field(data, "startDate");
      c.end = instant_field(data, "endDate");
      c.job_id = string_field(e.response(), "jobId");
      return c;
    }
    if (parts[i + 2] == "algopin") {
      const json body = e.body();
      c.kind = ApiCall::Kind::algopin;
      c.access_name = string_field(body, "accessName");
      c.start = instant_field(body, "startDate");
      c.end = instant_field(body, "endDate");
      c.pin = string_field(e.response(), "pin");
      return c;
    }
    return c;
  }
  return c;
}

bool word_char(char ch) {
  return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '-' || ch == '_';
}

// The booking an access name names as a whole word, the longest when several do
// (the first in id order among equals). Candidates are the name's substrings that
// start and end at word boundaries, looked up in the set of ids: a call costs a
// few lookups, not a search of its name for each of 20,000 booking ids.
std::string named_booking(const std::string& name, const std::unordered_set<std::string_view>& bookings,
                          std::size_t longest_id) {
  std::vector<std::size_t> starts, ends;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    if (i < name.size() && (i == 0 || !word_char(name[i - 1]))) starts.push_back(i);
    if (i > 0 && (i == name.size() || !word_char(name[i]))) ends.push_back(i);
  }
  std::string_view best;
  for (const std::size_t from : starts) {
    for (const std::size_t to : ends) {
      if (to <= from || to - from > longest_id || to - from < best.size()) continue;
      const std::string_view candidate(name.data() + from, to - from);
      if (!bookings.contains(candidate)) continue;
      if (candidate.size() > best.size() || candidate < best) best = candidate;
    }
  }
  return std::string(best);
}

// A booking as one accepted put_booking left it: its stay, from that instant on.
struct StayVersion {
  std::string booking;
  std::string property;
  Instant put_at{};
  Instant checkin{};
  Instant checkout{};
};

std::vector<StayVersion> stays_of(const Scenario& s, const Trace& trace) {
  std::map<std::string, std::string> zone_of;
  for (const auto& p : s.properties) zone_of[p.id] = p.timezone;
  std::vector<StayVersion> out;
  for (const auto& c : trace.commands) {
    if (c.error) continue;
    const auto& e = s.timeline[c.event_index];
    if (e.kind == EventKind::put_property) zone_of[e.property_id] = e.timezone;
    if (e.kind != EventKind::put_booking) continue;
    const auto zone = Zone::locate(zone_of[e.booking.property_id]);
    const auto in = parse_local(e.booking.checkin);
    const auto out_local = parse_local(e.booking.checkout);
    if (!zone || !in || !out_local) continue;
    out.push_back({e.booking.booking_id, e.booking.property_id, c.at, zone->resolve(*in), zone->resolve(*out_local)});
  }
  return out;
}

Seconds overlap(Instant a0, Instant a1, Instant b0, Instant b1) {
  const Instant lo = std::max(a0, b0), hi = std::min(a1, b1);
  return hi > lo ? hi - lo : Seconds{0};
}

}  // namespace

std::vector<ApiCall> parse_api_calls(std::span<const mock::JournalEntry> journal) {
  std::vector<ApiCall> out;
  out.reserve(journal.size());
  for (std::size_t i = 0; i < journal.size(); ++i) {
    if (journal[i].path.starts_with("/__admin")) continue;
    out.push_back(parse_one(i, journal[i]));
  }
  return out;
}

void attribute_api_calls(std::vector<ApiCall>& calls, const std::vector<std::string>& bookings,
                         const std::function<std::string(const ApiCall&)>& by_window) {
  std::map<std::pair<std::string, std::string>, std::string> pin_holder;  // (lock, pin) -> booking, latest create
  std::map<std::string, std::string> job_of;                              // job id -> booking
  std::unordered_set<std::string_view> ids;
  std::size_t longest_id = 0;
  for (const auto& b : bookings) {
    if (b.empty()) continue;
    ids.insert(b);
    longest_id = std::max(longest_id, b.size());
  }
  for (auto& c : calls) {
    if (c.makes_code()) {
      c.booking = named_booking(c.access_name, ids, longest_id);
      if (c.booking.empty() && by_window) c.booking = by_window(c);
      if (!c.booking.empty() && !c.pin.empty()) pin_holder[{c.lock, c.pin}] = c.booking;
    } else if (c.kind == ApiCall::Kind::delete_pin) {
      if (auto it = pin_holder.find({c.lock, c.pin}); it != pin_holder.end()) c.booking = it->second;
    } else if (c.kind == ApiCall::Kind::job_status) {
      if (auto it = job_of.find(c.job_id); it != job_of.end()) c.booking = it->second;
    }
    if (!c.job_id.empty() && !c.booking.empty() && c.kind != ApiCall::Kind::job_status) job_of[c.job_id] = c.booking;
  }
}

std::vector<ApiCall> read_api_calls(const Scenario& s, const Trace& trace) {
  auto calls = parse_api_calls(trace.journal);
  std::vector<std::string> bookings;
  for (const auto& [b, _] : trace.property_of) bookings.push_back(b);
  const auto stays = stays_of(s, trace);
  // The stay on the call's lock that its window covers most; without a window
  // (a onetime algoPIN), the stay under way or next.
  attribute_api_calls(calls, bookings, [&](const ApiCall& c) {
    std::string booking;
    Seconds best{-1};
    const Instant from = c.start.value_or(c.at), until = c.end.value_or(from + Seconds(24 * 3600));
    for (const auto& v : stays) {
      if (v.put_at > c.at || lock_of_property_at(s, trace, v.property, c.at) != c.lock) continue;
      const Seconds o = overlap(from, until, v.checkin - Seconds(14 * 24 * 3600), v.checkout + Seconds(24 * 3600));
      const Seconds score = o + overlap(from, until, v.checkin, v.checkout);
      if (score > best && o > Seconds{0}) {
        best = score;
        booking = v.booking;
      }
    }
    return booking;
  });
  return calls;
}

}  // namespace lockstep::harness
