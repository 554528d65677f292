// The one redaction (redact.hpp).
#include "lockstep/mock/redact.hpp"

#include <array>
#include <vector>

#include "detail.hpp"

namespace lockstep::mock {

bool is_secret_key(std::string_view key) {
  static constexpr std::array<std::string_view, 9> kSecretKeys = {
      "client_secret", "access_token", "refresh_token", "id_token", "password",
      "authorization", "secret",       "api_key",       "token"};
  if (key.size() > 32) return false;
  std::string normal;
  normal.reserve(key.size());
  for (const char c : key) {
    const auto u = static_cast<unsigned char>(c);
    normal += c == '-' ? '_' : static_cast<char>(std::tolower(u));
  }
  for (const auto k : kSecretKeys) {
    if (normal == k) return true;
  }
  return false;
}

void redact_secrets(nlohmann::json& value) {
  std::vector<nlohmann::json*> todo{&value};
  while (!todo.empty()) {
    nlohmann::json* v = todo.back();
    todo.pop_back();
    if (v->is_object()) {
      for (auto& [key, child] : v->items()) {
        if (is_secret_key(key)) {
          child = kRedacted;
        } else if (child.is_structured()) {
          todo.push_back(&child);
        }
      }
    } else if (v->is_array()) {
      for (auto& child : *v) {
        if (child.is_structured()) todo.push_back(&child);
      }
    }
  }
}

bool has_secrets(const nlohmann::json& value) {
  std::vector<const nlohmann::json*> todo{&value};
  while (!todo.empty()) {
    const nlohmann::json* v = todo.back();
    todo.pop_back();
    if (v->is_object()) {
      for (const auto& [key, child] : v->items()) {
        if (is_secret_key(key)) return true;
        if (child.is_structured()) todo.push_back(&child);
      }
    } else if (v->is_array()) {
      for (const auto& child : *v) {
        if (child.is_structured()) todo.push_back(&child);
      }
    }
  }
  return false;
}

std::string redact_form_text(std::string_view text) {
  if (!detail::parse_form(text)) return std::string(kRedacted);
  std::string out;
  for (const auto& field : detail::split(text, '&')) {
    if (!out.empty()) out += '&';
    const auto eq = field.find('=');
    const std::string raw_key = field.substr(0, eq);
    const auto key = detail::percent_decode(raw_key, true);
    if (key && is_secret_key(*key)) {
      out += raw_key + "=" + std::string(kRedacted);
    } else {
      out += field;
    }
  }
  return out;
}

}  // namespace lockstep::mock
