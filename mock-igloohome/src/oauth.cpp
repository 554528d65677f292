// OAuth2 on the mock: the token endpoint (client credentials, scopes) and the
// bearer check every API call makes. Tokens are JWT-shaped and signed by the
// mock, so they are checked without being stored and survive a reset.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "lockstep/json_input.hpp"
#include "lockstep/base64.hpp"
#include "state.hpp"

namespace lockstep::mock {

namespace {
constexpr std::string_view kTokenKey = "lockstep-mock-signing-key";
}  // namespace

using internal::json;

std::string Mock::State::sign(std::string_view signing_input) const {
  std::string sig;
  std::uint64_t h = detail::fnv1a64(kTokenKey);
  for (int i = 0; i < 4; ++i) {
    h = detail::mix64(detail::fnv1a64(signing_input, h) + static_cast<std::uint64_t>(i));
    for (int b = 0; b < 8; ++b) sig += static_cast<char>((h >> (8 * b)) & 0xFF);
  }
  return base64::encode(sig, true);
}

std::string Mock::State::issue_token(const Account& a, const std::vector<std::string>& scopes, Instant t) {
  std::string scope_text;
  for (const auto& s : scopes) scope_text += (scope_text.empty() ? "" : " ") + s;
  // Real clients compare exp with their own clock (igloohome-api.md "Tokens and
  // time"), so iat/exp are on the wall clock unless the world says otherwise; the
  // mock's own expiry check reads the virtual instants it adds beside them.
  const Instant written = world.api.token_exp_on_virtual_clock || !wall_clock ? t : wall_clock();
  const json header = {{"alg", "HS256"}, {"typ", "JWT"}};
  const json payload = {{"iss", "lockstep-mock"},
                        {"sub", a.client_id},
                        {"name", a.name},
                        {"scope", scope_text},
                        {"iat", written.time_since_epoch().count()},
                        {"exp", internal::later(written, world.limits.token_lifetime).time_since_epoch().count()},
                        {"lockstep_iat", t.time_since_epoch().count()},
                        {"lockstep_exp", internal::later(t, world.limits.token_lifetime).time_since_epoch().count()},
                        {"jti", fmt::format("tok-{}", next_token++)}};
  // A client_id is the client's bytes: not always UTF-8, never a reason to throw.
  const auto text = [](const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); };
  const std::string input = base64::encode(text(header), true) + "." + base64::encode(text(payload), true);
  return input + "." + sign(input);
}

std::expected<const Mock::State::TokenClaims*, std::string> Mock::State::verify_token(std::string_view token,
                                                                                    Instant t) const {
  auto cached = verified_tokens.find(token);
  if (cached == verified_tokens.end()) {
    auto claims = read_token(token);
    if (!claims) return std::unexpected(claims.error());
    if (verified_tokens.size() >= kVerifiedTokensMax) verified_tokens.clear();
    cached = verified_tokens.emplace(std::string(token), std::move(*claims)).first;
  }
  const TokenClaims& c = cached->second;
  Instant expires = c.expires;
  for (const std::size_t i : faults_of(FaultKind::token_expiry).all) {
    const Fault& f = faults[i];
    if (f.active_at(c.issued)) {
      expires = std::min(expires, c.issued + f.after_seconds);
    }
  }
  if (t >= expires) return std::unexpected("token expired");
  if (account(c.client) == nullptr) return std::unexpected("unknown client");
  return &c;
}

std::expected<Mock::State::TokenClaims, std::string> Mock::State::read_token(std::string_view token) const {
  const auto parts = detail::split(token, '.');
  if (parts.size() != 3) return std::unexpected("malformed token");
  if (sign(parts[0] + "." + parts[1]) != parts[2]) return std::unexpected("invalid token signature");
  auto payload_text = base64::decode(parts[1]);
  if (!payload_text) return std::unexpected("malformed token");
  json payload = json::parse(*payload_text, nullptr, false);
  auto integer = [&](const char* key) { return payload.contains(key) && payload[key].is_number_integer(); };
  if (payload.is_discarded() || !payload.is_object() || !payload.contains("sub") || !integer("lockstep_exp") ||
      !integer("lockstep_iat") || !payload["sub"].is_string() || !payload.contains("scope") ||
      !payload["scope"].is_string()) {
    return std::unexpected("malformed token");
  }
  TokenClaims c;
  c.client = payload["sub"].get<std::string>();
  c.issued = Instant{Seconds{payload["lockstep_iat"].get<long long>()}};
  c.expires = Instant{Seconds{payload["lockstep_exp"].get<long long>()}};
  for (const auto& s : detail::split(payload["scope"].get<std::string>(), ' ')) {
    if (!s.empty()) c.scopes.insert(s);
  }
  return c;
}

namespace internal {

Answer Handler::token() {
  const auto& req = ctx_.request;
  std::map<std::string, std::string> fields;
  const std::string content_type(req[http::field::content_type]);
  const bool is_json = starts_with_ignoring_case(content_type, "application/json");
  const bool is_form = starts_with_ignoring_case(content_type, "application/x-www-form-urlencoded");
  if (!req.body().empty() && !is_json && !is_form) {
    // A form under another type (or none) is not read: it is not what igloohome
    // accepts, and the journal could not know what in it is a secret.
    Answer refused = error_answer(
        http::status::unsupported_media_type, "unsupported_media_type",
        fmt::format("Content-Type: the token request body must be application/x-www-form-urlencoded "
                    "(or application/json), not '{}'",
                    content_type.empty() ? "(none)" : content_type.substr(0, 100)));
    refused.journal_request_body = false;
    return refused;
  }
  if (is_json) {
    auto read = json_input::parse(req.body());
    if (!read || !read->is_object()) {
      return error_answer(http::status::bad_request, "invalid_request",
                          read ? std::string("body: not a valid JSON object")
                               : "body: not a valid JSON object (" + read.error().where_and_what() + ")");
    }
    const json body = std::move(*read);
    for (const auto& [k, v] : body.items()) {
      if (!v.is_string()) {
        return error_answer(http::status::bad_request, "invalid_request", fmt::format("{}: expected a string", k));
      }
      fields[k] = v.get<std::string>();
    }
  } else {
    auto form = detail::parse_form(req.body());
    if (!form) {
      return error_answer(http::status::bad_request, "invalid_request",
                          "body: not valid application/x-www-form-urlencoded");
    }
    fields = std::move(*form);
  }

  std::string client_id;
  std::string client_secret;
  bool have_credentials = false;
  const std::string authorization(req[http::field::authorization]);
  if (!authorization.empty()) {
    if (!starts_with_ignoring_case(authorization, "Basic ")) {
      return error_answer(http::status::unauthorized, "invalid_client",
                          "Authorization: expected Basic base64(client_id:client_secret)");
    }
    auto decoded = base64::decode(std::string_view(authorization).substr(6));
    const auto colon = decoded ? decoded->find(':') : std::string::npos;
    if (!decoded || colon == std::string::npos) {
      return error_answer(http::status::unauthorized, "invalid_client",
                          "Authorization: Basic credentials are not base64(client_id:client_secret)");
    }
    client_id = decoded->substr(0, colon);
    client_secret = decoded->substr(colon + 1);
    have_credentials = true;
  } else if (fields.contains("client_id")) {
    client_id = fields["client_id"];
    client_secret = fields.contains("client_secret") ? fields["client_secret"] : "";
    have_credentials = true;
  }

  if (!fields.contains("grant_type")) {
    return error_answer(http::status::bad_request, "invalid_request", "grant_type: missing");
  }
  if (fields["grant_type"] != "client_credentials") {
    return error_answer(http::status::bad_request, "unsupported_grant_type",
                        fmt::format("grant_type: '{}' is not supported (use client_credentials)", fields["grant_type"]));
  }
  if (!have_credentials) {
    return error_answer(http::status::unauthorized, "invalid_client",
                        "no client credentials (Authorization: Basic, or client_id and client_secret)");
  }
  const Account* account = s_.account(client_id);
  if (account == nullptr || account->client_secret != client_secret) {
    return error_answer(http::status::unauthorized, "invalid_client", "unknown client or wrong secret");
  }
  ctx_.client = account->client_id;

  std::vector<std::string> granted;
  if (fields.contains("scope") && fields["scope"].find_first_not_of(' ') != std::string::npos) {
    for (const auto& scope : detail::split(fields["scope"], ' ')) {
      if (scope.empty()) continue;
      if (std::find(account->scopes.begin(), account->scopes.end(), scope) == account->scopes.end()) {
        return error_answer(http::status::bad_request, "invalid_request",
                            fmt::format("scope: '{}' is not granted to this client", scope));
      }
      if (std::find(granted.begin(), granted.end(), scope) == granted.end()) granted.push_back(scope);
    }
  } else {
    granted = account->scopes;
  }
  std::string scope_text;
  for (const auto& sc : granted) scope_text += (scope_text.empty() ? "" : " ") + sc;
  Answer issued = ok_answer({{"access_token", s_.issue_token(*account, granted, ctx_.now)},
                             {"expires_in", s_.world.limits.token_lifetime.count()},
                             {"token_type", "Bearer"},
                             {"scope", scope_text},
                             // igloohome shows the account's name once connected; the mock
                             // says it here (and in the JWT's "name" claim).
                             {"account_name", account->name}});
  issued.redact = true;
  return issued;
}

// 401 for a missing/bad token, 403 for a missing scope (when `scope` is given).
std::optional<Answer> Handler::authenticate(std::string_view scope) {
  const auto field = ctx_.request[http::field::authorization];
  const std::string_view authorization(field.data(), field.size());  // a token is long: not copied
  auto unauthorized = [](std::string message) {
    Answer a = error_answer(http::status::unauthorized, "unauthorized", std::move(message));
    a.headers.emplace_back(http::field::www_authenticate, "Bearer");
    return a;
  };
  if (authorization.empty()) return unauthorized("missing bearer token");
  if (!starts_with_ignoring_case(authorization, "Bearer ")) {
    return unauthorized("Authorization: expected 'Bearer <token>'");
  }
  auto claims = s_.verify_token(authorization.substr(7), ctx_.now);
  if (!claims) return unauthorized(claims.error());
  ctx_.client = (*claims)->client;
  scopes_ = &(*claims)->scopes;
  if (!scope.empty() && !grants(*scopes_, scope)) {
    return error_answer(http::status::forbidden, "forbidden", fmt::format("missing scope {}{}", kScopePrefix, scope));
  }
  return std::nullopt;
}

}  // namespace internal
}  // namespace lockstep::mock
