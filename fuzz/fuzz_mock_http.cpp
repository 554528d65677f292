// Fuzz target: the mock igloohome's request handler fed raw HTTP bytes, as its
// server would receive them (after Beast's own fuzz targets). The bytes are
// parsed with boost::beast::http::request_parser<string_body>; each complete
// request (several may be pipelined in one input) goes to Mock::handle on one
// mock, so sequences (create a job, then poll it) are reachable. Mock::handle
// must never throw, and must always answer with a real HTTP status and, when it
// says JSON, a JSON body (unless it is the deliberately malformed-body fault).
//
// A request whose Authorization header is "Bearer $TOKEN" gets a real token of
// the demo account first, so the fuzzer can reach the authenticated API without
// having to guess a JWT.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "fuzz_check.hpp"
#include "lockstep/mock/mock.hpp"

namespace {

namespace http = boost::beast::http;

std::string demo_token(lockstep::mock::Mock& mock) {
  lockstep::net::Request req{http::verb::post, "/oauth2/token", 11};
  req.set(http::field::content_type, "application/x-www-form-urlencoded");
  req.body() = "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret";
  req.prepare_payload();
  const auto reply = mock.handle(req);
  const auto body = nlohmann::json::parse(reply.response.body(), nullptr, false);
  LOCKSTEP_FUZZ_CHECK(reply.response.result_int() == 200 && body.is_object() && body.contains("access_token"),
                      reply.response.body());
  return body["access_token"].get<std::string>();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  lockstep::mock::Mock mock;
  // Fetched before any request of the input can switch a fault on.
  const std::string token = demo_token(mock);
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  for (int requests = 0; !rest.empty() && requests < 16; ++requests) {
    http::request_parser<http::string_body> parser;
    parser.eager(true);
    parser.header_limit(16 * 1024);
    parser.body_limit(64 * 1024);
    boost::beast::error_code ec;
    const std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    if (!ec && !parser.is_done()) parser.put_eof(ec);  // the connection closes after the bytes
    if (ec || !parser.is_done()) return 0;  // the server answers 400 itself; not the handler's job
    rest.remove_prefix(used == 0 ? rest.size() : used);

    lockstep::net::Request req = parser.release();
    if (auto auth = req.find(http::field::authorization); auth != req.end() && auth->value() == "Bearer $TOKEN") {
      req.set(http::field::authorization, "Bearer " + token);
    }
    const auto reply = mock.handle(req);  // must not throw: a throw aborts the fuzzer
    const auto& res = reply.response;
    const std::string shown = std::string(req.method_string()) + " " + std::string(req.target());
    LOCKSTEP_FUZZ_CHECK(res.result_int() >= 100 && res.result_int() <= 599, shown);
    const auto type = res.find(http::field::content_type);
    const bool says_json = type != res.end() && type->value().starts_with("application/json");
    if (says_json && reply.transport == lockstep::mock::Reply::Transport::normal && !res.body().empty()) {
      LOCKSTEP_FUZZ_CHECK(nlohmann::json::accept(res.body()), shown + " -> " + res.body());
    }
  }
  return 0;
}
