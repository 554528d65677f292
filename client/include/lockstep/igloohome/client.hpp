// The engine's igloohome provider over HTTP. Client implements IgloohomeProvider
// (core/provider.hpp) exactly as ../shared/contracts/igloohome-api.md describes the
// API: OAuth2 client credentials, a token reused until shortly before it expires
// (measured on the injected Clock, so virtual time in simulations), one new token
// and one repeat on a 401 (L1), device listing with cursor paging, bridge jobs with
// status polling, algoPIN, and every HTTP outcome classified for rule C6.
//
// Client speaks through two Transports (the token host and the API host may
// differ, as in production). BeastTransport is the socket one: synchronous for
// its caller, keep-alive, one reconnect on a stale connection, and a timeout on
// every exchange. A transport sends `req.target()` unchanged; the path prefixes
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
#include "lockstep/igloohome/transport.hpp"
#include "lockstep/provider.hpp"

namespace lockstep::igloohome {

// Where a base URL points: "http://127.0.0.1:8080/igloohome" gives host
// "127.0.0.1", port 8080, prefix "/igloohome" (no trailing slash; "" for none).
struct Endpoint {
  std::string host;
  unsigned short port = 80;
  std::string prefix;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// http:// only (lockstep talks to its mock; TLS is out of scope). Errors
// (invalid_argument, naming the URL): other schemes, empty host, bad port, a
// query or fragment.
Result<Endpoint> parse_base_url(std::string_view url);

// A synchronous HTTP/1.1 client over one keep-alive connection, made on first use.
// A request sent on a reused connection that the server had meanwhile closed is
// sent once more on a fresh one. Each exchange (connect, write, read) must finish
// within `timeout`, else TransportFailure::timeout and the connection is dropped.
// Not thread-safe: one per thread.
class BeastTransport final : public Transport {
 public:
  explicit BeastTransport(Endpoint endpoint,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~BeastTransport() override;
  BeastTransport(const BeastTransport&) = delete;
  BeastTransport& operator=(const BeastTransport&) = delete;

  std::expected<Response, TransportFailure> send(Request req) override;

  const Endpoint& endpoint() const noexcept;
  // Connections opened so far (1 while keep-alive holds).
  int connections_opened() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

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
ClientOptions options_for(const Endpoint& auth, const Endpoint& api, ClientOptions base = {});

class Client final : public IgloohomeProvider {
 public:
  // The transports and the clock must outlive the client.
  Client(Transport& auth, Transport& api, const Clock& clock, ClientOptions options = {});
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
  BeastTransport& auth_transport() noexcept { return auth_; }
  BeastTransport& api_transport() noexcept { return api_; }

 private:
  HttpClient(Endpoint auth, Endpoint api, const Clock& clock, ClientOptions options,
             std::chrono::milliseconds timeout);
  BeastTransport auth_;
  BeastTransport api_;
  Client client_;
};

}  // namespace lockstep::igloohome
