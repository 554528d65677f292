// The in-process way to reach the mock: a net::Transport that calls
// Mock::handle directly, without sockets, for fast simulation. Network faults in
// the Reply become the TransportFailure a socket client would have seen: reset →
// reset, empty → empty_response, malformed → malformed, and a latency above the
// transport's timeout → timeout. No real time passes (latency is not slept).
#pragma once

#include <chrono>

#include "lockstep/net/transport.hpp"
#include "lockstep/mock/mock.hpp"

namespace lockstep::mock {

class InProcessTransport final : public net::Transport {
 public:
  explicit InProcessTransport(Mock& mock,
                              std::chrono::milliseconds timeout = std::chrono::seconds{10})
      : mock_(mock), timeout_(timeout) {}

  std::expected<net::Response, net::TransportFailure> send(
      net::Request req) override;

 private:
  Mock& mock_;
  std::chrono::milliseconds timeout_;
};

}  // namespace lockstep::mock
