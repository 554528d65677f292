// The journal: every API request as the mock answered it, secrets redacted,
// for /__admin/requests and the harness.
#include <algorithm>
#include <array>

#include "state.hpp"

namespace lockstep::mock {

namespace internal {

namespace {
// Secrets never reach the journal. In place: the journal keeps the redacted
// value itself, and a copy per nesting level would cost an allocation a node.
constexpr std::array<std::string_view, 6> kSecretKeys = {"client_secret", "access_token", "refresh_token",
                                                         "password",      "authorization", "Authorization"};
}  // namespace

void redact_in_place(json& value) {
  if (value.is_object()) {
    for (auto& [key, v] : value.items()) {
      if (std::find(kSecretKeys.begin(), kSecretKeys.end(), key) != kSecretKeys.end()) {
        v = "***";
      } else {
        redact_in_place(v);
      }
    }
  } else if (value.is_array()) {
    for (auto& v : value) redact_in_place(v);
  }
}


// The request body as the journal keeps it: JSON text. Parsed and rewritten only
// when it may carry a secret (or is a form): most bodies are kept as sent.
std::string journal_body(const igloohome::Request& req) {
  const auto& body = req.body();
  if (body.empty()) return {};
  const bool may_hold_secret = std::any_of(kSecretKeys.begin(), kSecretKeys.end(), [&](std::string_view key) {
    return body.find(key) != std::string::npos;
  });
  json parsed = json::parse(body, nullptr, false);
  if (!parsed.is_discarded()) {
    if (!may_hold_secret) return body;
    redact_in_place(parsed);
    return parsed.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  const std::string content_type(req[http::field::content_type]);
  if (content_type.find("x-www-form-urlencoded") != std::string::npos) {
    if (auto form = detail::parse_form(body)) {
      json fields = json::object();
      for (const auto& [k, v] : *form) fields[k] = v;
      redact_in_place(fields);
      return fields.dump(-1, ' ', false, json::error_handler_t::replace);
    }
  }
  const json text = body.size() > 4096 ? body.substr(0, 4096) + "..." : body;
  return text.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace internal

using internal::json;

namespace {
json parse_or_null(const std::string& text) {
  if (text.empty()) return nullptr;
  json parsed = json::parse(text, nullptr, false);
  return parsed.is_discarded() ? json(nullptr) : parsed;
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

std::vector<JournalEntry> Mock::journal() const {
  std::lock_guard guard(state_->mutex);
  return {state_->journal.begin(), state_->journal.end()};
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
