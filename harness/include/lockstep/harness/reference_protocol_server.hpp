// ReferenceProtocolServer: the reference engine behind lockstep-sut/1 — what `lockstep sut`
// runs, and the worked example of an adapter (docs/conformance.md).
//
// An adapter's whole job is to turn each request line into a call on the
// implementation and its result into one reply line. Here the implementation is
// lockstep::Engine: `init` builds it, with an igloohome Client over real sockets
// (BeastTransport) pointed at the two base URLs the harness gives, on a
// SimulatedClock that only the harness's `now` moves; `tick` is run_until(now)
// and replies next_wakeup(); the other requests map one for one onto Engine
// calls, and Engine errors become `ok: false` replies with their contract code.
// A line that is not a JSON object, or lacks a field, gets an error reply too:
// the adapter never exits on bad input, only on `shutdown` or end of input.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>

#include "lockstep/rules.hpp"

namespace lockstep::harness {

struct ReferenceProtocolServerOptions {
  Profile profile{};        // the knobs the engine runs with (--profile)
  std::uint64_t seed = 1;   // random PINs
  int http_timeout_ms = 5'000;  // per igloohome exchange; below the harness's 10 s request timeout
  std::string version = "0";    // answered to `init` (the CLI passes its own version)
  std::ostream* log = nullptr;  // one line per request and per engine decision (stderr)
};

class ReferenceProtocolServer {
 public:
  explicit ReferenceProtocolServer(ReferenceProtocolServerOptions options = {});
  ~ReferenceProtocolServer();
  ReferenceProtocolServer(const ReferenceProtocolServer&) = delete;
  ReferenceProtocolServer& operator=(const ReferenceProtocolServer&) = delete;

  // One request line in, one reply line out (no trailing newline).
  std::string handle(std::string_view request_line);
  // True once `shutdown` has been answered.
  bool finished() const noexcept;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Reads request lines from `in` until `shutdown` or end of input, answering each
// on `out` (flushed per line). Returns the process exit status (0).
int serve_sut(std::istream& in, std::ostream& out, ReferenceProtocolServerOptions options);

}  // namespace lockstep::harness
