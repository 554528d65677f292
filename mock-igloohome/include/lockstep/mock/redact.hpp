// Secrets never leave the mock: the one redaction the journal, the request log
// and anything else that shows a request use. It works on what a server reads —
// JSON keys after unescaping (`"client\u005fsecret"` is client_secret), form and
// query fields after percent-decoding (`client%5Fsecret`) — never on raw text,
// which an escape defeats. It is iterative, so no nesting depth can exhaust the
// stack. What cannot be parsed is not shown at all: a secret could hide in it.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace lockstep::mock {

// The value that replaces a secret.
inline constexpr std::string_view kRedacted = "***";

// client_secret, access_token, refresh_token, id_token, password, authorization,
// secret, api_key and token, whatever their case and with '-' for '_'.
bool is_secret_key(std::string_view key);

// Every value under a secret key, at any depth, becomes "***" (in place).
void redact_secrets(nlohmann::json& value);
// Whether redact_secrets would change anything: most bodies carry no secret
// and need no copy to be redacted.
bool has_secrets(const nlohmann::json& value);

// A query string or form body (`a=1&client_secret=x`) with the values of secret
// fields replaced, fields kept in order and as written; nullopt-free: text that is
// not a valid form (a malformed escape) comes back as "***" whole.
std::string redact_form_text(std::string_view text);

}  // namespace lockstep::mock
