// The device list and details: GET /devices (cursor pages, cached per client
// and cursor) and GET /devices/{deviceId}, as the account sees them.
#include <fmt/format.h>

#include "lockstep/base64.hpp"
#include "state.hpp"

namespace lockstep::mock::internal {

std::optional<Answer> Handler::visible_device(const std::string& id) const {
  const Account* account = s_.account(ctx_.client);
  const bool exists = s_.lock(id) != nullptr || s_.bridge(id) != nullptr;
  if (!exists || account == nullptr || !Mock::State::sees(*account, id)) {
    return error_answer(http::status::not_found, "not_found", fmt::format("device '{}' not found", id));
  }
  return std::nullopt;
}

Answer Handler::devices() {
  const auto cursor = query_param(ctx_, "cursor");
  const std::string key = fmt::format("{}|{}", ctx_.client, cursor.value_or(""));
  if (auto cached = s_.device_pages.find(key); cached != s_.device_pages.end()) {
    Answer a;
    a.text = cached->second;
    return a;
  }
  const Account* account = s_.account(ctx_.client);
  std::vector<std::string> ids;
  for (const auto& b : s_.world.bridges) ids.push_back(b.id);
  for (const auto& l : s_.world.locks) ids.push_back(l.id);
  std::erase_if(ids, [&](const std::string& id) { return account == nullptr || !Mock::State::sees(*account, id); });

  std::size_t offset = 0;
  if (cursor && !cursor->empty()) {
    // Cursors are opaque to clients: "p" + offset, base64url-encoded.
    auto decoded = base64::decode(*cursor);
    bool ok = decoded && decoded->size() > 1 && (*decoded)[0] == 'p' &&
              decoded->find_first_not_of("0123456789", 1) == std::string::npos && decoded->size() < 12;
    if (ok) {
      offset = std::stoul(decoded->substr(1));
      ok = offset > 0 && offset < ids.size();
    }
    if (!ok) return error_answer(http::status::bad_request, "invalid_request", "cursor: unknown cursor");
  }
  const std::size_t page = static_cast<std::size_t>(s_.world.limits.page_size);
  json payload = json::array();
  for (std::size_t i = offset; i < ids.size() && i < offset + page; ++i) {
    payload.push_back(s_.device_doc(ids[i]));
  }
  // Always a string, "" on the last page: strict clients type it `str`.
  std::string next;
  if (offset + page < ids.size()) next = base64::encode(fmt::format("p{}", offset + page), true);
  const json body = {{"nextCursor", next}, {"payload", payload}};
  // Only answers are kept (a refused cursor is judged again), and only so many:
  // each distinct cursor text of a valid page is one entry.
  if (s_.device_pages.size() >= 1024) s_.device_pages.clear();
  Answer a;
  a.text = s_.device_pages.emplace(key, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)).first->second;
  return a;
}

Answer Handler::device(const std::string& id) {
  if (auto missing = visible_device(id)) return *missing;
  return ok_answer(s_.device_doc(id));
}

}  // namespace lockstep::mock::internal
