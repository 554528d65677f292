// The engine's igloohome provider over HTTP. Client implements IgloohomeProvider
// (core/provider.hpp) exactly as ../shared/contracts/igloohome-api.md describes the
// API: OAuth2 client credentials, a token reused until shortly before it expires
// (measured on the injected Clock, so virtual time in simulations), one new token
// and one repeat on a 401 (L1), device listing with cursor paging, bridge jobs with
// status polling, algoPIN, and every HTTP outcome classified for rule C6.
//
// Client speaks through two net::Transports (the token host and the API host may
// differ, as in production): net::BeastTransport over sockets, or the mock's
// in-process one. A transport sends `req.target()` unchanged; the path prefixes
// (`/oauth2/token`, `/igloohome`) live in ClientOptions, and options_for() derives
// them from the two base URLs a production integration is configured with.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lockstep/clock.hpp"
#include "lockstep/error.hpp"
#include "lockstep/net/beast_transport.hpp"
#include "lockstep/net/endpoint.hpp"
#include "lockstep/net/transport.hpp"
#include "lockstep/provider.hpp"

namespace lockstep::igloohome {

struct ClientOptions {
  std::string token_path = "/oauth2/token";
  std::string api_prefix = "/igloohome";
  // L1: a token is replaced once it is within this much of its expiry (or within
  // half its lifetime, for tokens shorter than twice this).
  Seconds refresh_before_expiry{300};
  // Without the "igloohomeapi/" prefix, e.g. "get-devices"; empty = all owned.
  std::vector<std::string> scopes;
  // The accessName sent with PINs and algoPINs: "<prefix> <job's access_name>",
  // or either alone when the other is empty.
  std::string access_name_prefix = "lockstep";
};

// ClientOptions for the two base URLs of a production integration (sut-protocol
// `init`): the token at <auth prefix>/oauth2/token, the API under <api prefix>.
ClientOptions options_for(const net::Endpoint& auth, const net::Endpoint& api, ClientOptions base = {});

class Client final : public IgloohomeProvider {
 public:
  // The transports and the clock must outlive the client.
  Client(net::Transport& auth, net::Transport& api, const Clock& clock, ClientOptions options = {});
  ~Client() override;
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Bad credentials: needs_reconnect with the HTTP status (400/401) and message
  // "invalid_client". A failed connect keeps the previous connection, if any.
  // The account name is the token response's "account_name" (or "name"), else the
  // JWT's "name" claim, else the client id.
  ProviderResult<AccountInfo> connect(const Credentials& credentials) override;
  void disconnect() override;

  // Calls made while not connected fail with needs_reconnect ("not connected")
  // and send nothing.
  ProviderResult<LockInfo> describe_lock(const std::string& lock_id) override;
  ProviderResult<std::string> create_pin(const PinJob& job) override;
  ProviderResult<std::string> delete_pin(const std::string& lock_id, const std::string& bridge_id,
                                         const std::string& pin) override;
  // A job the server does not know (404) is reported as failed, not lock_missing.
  ProviderResult<JobStatus> job_status(const std::string& job_id) override;
  ProviderResult<AlgoPin> create_algopin(const AlgoPinRequest& request) override;

  bool connected() const noexcept;
  // Tokens obtained so far (connect included): lets tests see reuse and refresh.
  int tokens_issued() const noexcept;
  // When the current token expires, on the injected clock.
  std::optional<Instant> token_expiry() const noexcept;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// A Client with its own two BeastTransports, built from the two base URLs.
class HttpClient {
 public:
  static Result<std::unique_ptr<HttpClient>> open(
      std::string_view auth_url, std::string_view api_url, const Clock& clock,
      ClientOptions base = {}, std::chrono::milliseconds timeout = std::chrono::seconds(10));

  Client& client() noexcept { return client_; }
  net::BeastTransport& auth_transport() noexcept { return auth_; }
  net::BeastTransport& api_transport() noexcept { return api_; }

 private:
  HttpClient(net::Endpoint auth, net::Endpoint api, const Clock& clock, ClientOptions options,
             std::chrono::milliseconds timeout);
  net::BeastTransport auth_;
  net::BeastTransport api_;
  Client client_;
};

}  // namespace lockstep::igloohome
