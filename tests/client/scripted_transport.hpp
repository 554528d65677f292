// A Transport that answers from a script, recording every request: the client's
// behaviour (which calls, which headers and bodies, how outcomes are classified)
// is observed without any server.
#pragma once

#include <deque>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lockstep/net/transport.hpp"

// The client speaks through lockstep::net's transports; its tests name them as the
// client's own.
namespace lockstep::igloohome {
namespace http = net::http;
using net::Request;
using net::Response;
using net::Transport;
using net::TransportFailure;
}  // namespace lockstep::igloohome

namespace lockstep::igloohome::testing {

using Outcome = std::expected<Response, TransportFailure>;

inline Response respond(int status, std::string body = "{}") {
  Response r{static_cast<http::status>(status), 11};
  r.set(http::field::content_type, "application/json");
  r.body() = std::move(body);
  r.prepare_payload();
  return r;
}
inline Response respond(int status, const char* body) { return respond(status, std::string(body)); }
inline Response respond(int status, const nlohmann::json& body) { return respond(status, body.dump()); }

class ScriptedTransport final : public Transport {
 public:
  // Answers in order; when the script runs out, `fallback` answers (default 500).
  void then(Outcome outcome) { script_.push_back(std::move(outcome)); }
  void then(int status, const nlohmann::json& body) { then(Outcome{respond(status, body)}); }
  void then_fail(TransportFailure::Kind kind) { then(std::unexpected(TransportFailure{kind, "scripted"})); }
  std::function<Outcome(const Request&)> fallback;

  Outcome send(Request req) override {
    requests.push_back(req);
    if (!script_.empty()) {
      Outcome next = std::move(script_.front());
      script_.pop_front();
      return next;
    }
    if (fallback) return fallback(req);
    return respond(500, R"({"error":"script_exhausted"})");
  }

  std::size_t pending() const { return script_.size(); }
  std::vector<Request> requests;

 private:
  std::deque<Outcome> script_;
};

// A token endpoint that issues "tok-1", "tok-2", ... with the given lifetime.
inline void issue_tokens(ScriptedTransport& auth, long long expires_in = 86400) {
  auto counter = std::make_shared<int>(0);
  auth.fallback = [counter, expires_in](const Request&) -> Outcome {
    ++*counter;
    return respond(200, nlohmann::json{{"access_token", "tok-" + std::to_string(*counter)},
                                       {"expires_in", expires_in},
                                       {"token_type", "Bearer"}});
  };
}

}  // namespace lockstep::igloohome::testing
