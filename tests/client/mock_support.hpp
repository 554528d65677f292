// Helpers for running the client against the real mock: clocks that keep the
// client's (and engine's) virtual time equal to the mock's, in-process or through
// the admin API over HTTP, and a small admin client.
#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "lockstep/clock.hpp"
#include "lockstep/igloohome/client.hpp"
#include "lockstep/mock/mock.hpp"
#include "lockstep/mock/mock_clock.hpp"

// The client speaks through lockstep::net's transports; its tests name them as the
// client's own.
namespace lockstep::igloohome {
namespace http = net::http;
using net::BeastTransport;
using net::Endpoint;
using net::Request;
using net::Response;
using net::TransportFailure;
}  // namespace lockstep::igloohome

namespace lockstep::igloohome::testing {

using mock::MockClock;  // the mock's own virtual clock as a lockstep::Clock (in-process)

// /__admin/* over HTTP, as a test or a person would use it.
class Admin {
 public:
  explicit Admin(unsigned short port) : transport_(Endpoint{"127.0.0.1", port, ""}) {}

  nlohmann::json call(http::verb method, const std::string& target, const nlohmann::json& body = nullptr) {
    Request req{method, target, 11};
    if (!body.is_null()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body.dump();
    }
    auto response = transport_.send(std::move(req));
    if (!response) throw std::runtime_error("admin " + target + ": " + response.error().message);
    last_status = static_cast<int>(response->result_int());
    return nlohmann::json::parse(response->body(), nullptr, false);
  }
  nlohmann::json post(const std::string& target, const nlohmann::json& body) {
    return call(http::verb::post, target, body);
  }
  nlohmann::json get(const std::string& target) { return call(http::verb::get, target); }

  int last_status = 0;

 private:
  BeastTransport transport_;
};

// The mock's clock driven through POST /__admin/clock: the engine moves it to
// each wakeup before acting, so every call it makes is at that virtual instant.
class AdminClock final : public Clock {
 public:
  AdminClock(Admin& admin, Instant start) : admin_(admin), now_(start) { admin_.post("/__admin/clock", {{"now", format_instant(start)}}); }
  Instant now() const override { return now_; }
  void advance_to(Instant t) override {
    if (t <= now_) return;
    now_ = t;
    admin_.post("/__admin/clock", {{"now", format_instant(t)}});
    ++moves;
  }
  int moves = 0;

 private:
  Admin& admin_;
  Instant now_;
};

}  // namespace lockstep::igloohome::testing
