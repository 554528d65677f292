// The journal: every API request as the mock answered it, secrets redacted (by
// the one redaction, redact.hpp), for /__admin/requests and the harness.
#include <algorithm>

#include <fmt/format.h>

#include "lockstep/json_input.hpp"
#include "lockstep/mock/redact.hpp"
#include "state.hpp"

namespace lockstep::mock {

namespace internal {

// The request body as the journal keeps it: JSON text, redacted by its parsed
// keys. A form body (declared as one) becomes an object of its fields. Anything
// else — not JSON, nested past the limit, a form under another type — is not
// kept, only described: a secret could hide in text the mock cannot read.
std::string journal_body(const net::Request& req, const std::optional<json>& read) {
  const auto& body = req.body();
  if (body.empty()) return {};
  if (read) {
    if (!has_secrets(*read)) return read->dump(-1, ' ', false, json::error_handler_t::replace);
    json copy = *read;
    redact_secrets(copy);
    return copy.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  if (auto parsed = json_input::parse(body)) {
    redact_secrets(*parsed);
    return parsed->dump(-1, ' ', false, json::error_handler_t::replace);
  } else if (parsed.error().kind == json_input::ParseErrorKind::too_deep) {
    return json(fmt::format("({} bytes nested deeper than {} levels: not kept)", body.size(), json_input::kMaxDepth))
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  const std::string content_type(req[http::field::content_type]);
  if (starts_with_ignoring_case(content_type, "application/x-www-form-urlencoded")) {
    if (auto form = detail::parse_form(body)) {
      json fields = json::object();
      for (const auto& [k, v] : *form) fields[k] = v;
      redact_secrets(fields);
      return fields.dump(-1, ' ', false, json::error_handler_t::replace);
    }
  }
  return json(fmt::format("({} bytes, neither JSON nor a form: not kept)", body.size())).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Answer journal_page(Mock::State& s, const Context& ctx) {
  auto number = [&](std::string_view key, std::size_t fallback) -> std::expected<std::size_t, Answer> {
    auto text = query_param(ctx, key);
    if (!text) return fallback;
    if (text->empty() || text->size() > 9 || text->find_first_not_of("0123456789") != std::string::npos) {
      return std::unexpected(error_answer(http::status::bad_request, "invalid_request",
                                          fmt::format("{}: expected a non-negative integer", key)));
    }
    return static_cast<std::size_t>(std::stoul(*text));
  };
  auto offset = number("offset", 0);
  if (!offset) return offset.error();
  auto limit = number("limit", kJournalPageDefault);
  if (!limit) return limit.error();
  if (*limit == 0 || *limit > kJournalPageMax) {
    return error_answer(http::status::bad_request, "invalid_request",
                        fmt::format("limit: expected 1 to {}", kJournalPageMax));
  }
  // Copy the page under the lock, serialise it without: a reader of a long
  // journal does not stall every other client.
  std::vector<JournalEntry> page;
  std::size_t total = 0;
  std::uint64_t dropped = 0;
  {
    std::lock_guard guard(s.mutex);
    total = s.journal.size();
    dropped = s.journal_dropped;
    const std::size_t first = std::min(*offset, total);
    const std::size_t last = std::min(total, first + *limit);
    page.assign(s.journal.begin() + static_cast<std::ptrdiff_t>(first),
                s.journal.begin() + static_cast<std::ptrdiff_t>(last));
  }
  json list = json::array();
  for (const auto& e : page) list.push_back(e.to_json());
  const std::size_t next = *offset + page.size();
  Answer a;
  a.text = json{{"requests", std::move(list)},
                {"dropped", dropped},
                {"offset", *offset},
                {"limit", *limit},
                {"total", total},
                {"next_offset", next < total ? json(next) : json(nullptr)}}
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return a;
}

}  // namespace internal

using internal::json;

namespace {
json parse_or_null(const std::string& text) {
  if (text.empty()) return nullptr;
  auto parsed = json_input::parse(text);
  return parsed ? std::move(*parsed) : json(nullptr);
}
}  // namespace

json JournalEntry::body() const { return parse_or_null(body_text); }
json JournalEntry::response() const { return parse_or_null(response_text); }

json JournalEntry::to_json() const {
  json j = {{"at", format_instant(at)}, {"method", method}, {"path", path}, {"status", status},
            {"body", body()}, {"response", response()}, {"transport", transport}};
  j["query"] = query;
  j["client"] = client;
  return j;
}

JournalEntry JournalEntry::from_json(const json& j) {
  JournalEntry e;
  if (!j.is_object()) return e;
  auto text = [&](const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  // The bodies as text again; null (none, or not JSON) is no text.
  auto dumped = [&](const char* key) {
    const auto it = j.find(key);
    return it == j.end() || it->is_null() ? std::string() : it->dump(-1, ' ', false, json::error_handler_t::replace);
  };
  if (auto at = parse_instant(text("at"))) e.at = *at;
  e.method = text("method");
  e.path = text("path");
  e.query = text("query");
  e.client = text("client");
  e.transport = text("transport");
  if (const auto it = j.find("status"); it != j.end() && it->is_number_integer()) e.status = it->get<int>();
  e.body_text = dumped("body");
  e.response_text = dumped("response");
  return e;
}

std::string JournalEntry::log_line() const {
  return fmt::format("{} {} {}{}{} {} {}{}", format_instant(at), method, path, query.empty() ? "" : "?", query,
                     status, client.empty() ? "-" : client, transport == "normal" ? "" : " (" + transport + ")");
}

std::vector<JournalEntry> Mock::journal() const {
  std::lock_guard guard(state_->mutex);
  return {state_->journal.begin(), state_->journal.end()};
}

std::size_t Mock::journal_size() const {
  std::lock_guard guard(state_->mutex);
  return state_->journal.size();
}

void Mock::clear_journal() {
  std::lock_guard guard(state_->mutex);
  state_->journal.clear();
}

void Mock::limit_journal(std::size_t max_entries) {
  std::lock_guard guard(state_->mutex);
  state_->journal_limit = max_entries;
  state_->trim_journal();
}

}  // namespace lockstep::mock
