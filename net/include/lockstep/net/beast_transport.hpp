// The socket Transport: a synchronous HTTP/1.1 client over one keep-alive
// connection, made on first use. Synchronous for its caller because the igloohome
// client is (one call of the engine is one exchange), but built on Beast's
// asynchronous operations, because only those honour tcp_stream's timeouts.
#pragma once

#include <chrono>
#include <memory>

#include "lockstep/net/endpoint.hpp"
#include "lockstep/net/transport.hpp"

namespace lockstep::net {

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

}  // namespace lockstep::net
