// BeastTransport: synchronous for its caller, but built on Beast's asynchronous
// operations run to completion on a private io_context, because tcp_stream's
// timeouts (expires_after) only apply to asynchronous operations.
//
// GCC 12 reports a false "potential null pointer dereference" inside Asio's
// executor comparison once inlined here; it is silenced for this file only.
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <optional>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>

#include "lockstep/net/beast_transport.hpp"

namespace lockstep::net {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using Kind = TransportFailure::Kind;

constexpr std::uint64_t kBodyLimit = 64ull * 1024 * 1024;  // device lists can be long

bool is_timeout(const beast::error_code& ec) { return ec == beast::error::timeout; }

// The peer went away: what a stale keep-alive connection looks like.
bool is_disconnect(const beast::error_code& ec) {
  return ec == beast::http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted || ec == beast::http::error::partial_message;
}

}  // namespace

struct BeastTransport::Impl {
  Endpoint endpoint;
  std::chrono::milliseconds timeout;
  asio::io_context io{1};
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  std::optional<tcp::resolver::results_type> resolved;
  int connections = 0;

  Impl(Endpoint e, std::chrono::milliseconds t) : endpoint(std::move(e)), timeout(t) {}

  // Runs the queued asynchronous operation to completion.
  void run() {
    io.restart();
    io.run();
  }

  void close() {
    if (stream) {
      beast::error_code ignored;
      stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream->socket().close(ignored);
      stream.reset();
    }
    buffer.clear();
  }

  std::optional<TransportFailure> connect() {
    close();
    beast::error_code ec;
    if (!resolved) {
      tcp::resolver resolver(io);
      auto results = resolver.resolve(endpoint.host, std::to_string(endpoint.port), ec);
      if (ec)
        return TransportFailure{Kind::connect_failed,
                                fmt::format("cannot resolve {}: {}", endpoint.host, ec.message())};
      resolved = std::move(results);
    }
    stream.emplace(io);
    stream->expires_after(timeout);
    stream->async_connect(*resolved, [&](const beast::error_code& e, const tcp::endpoint&) { ec = e; });
    run();
    if (ec) {
      const bool timed_out = is_timeout(ec);
      close();
      return TransportFailure{timed_out ? Kind::timeout : Kind::connect_failed,
                              fmt::format("cannot connect to {}:{}: {}", endpoint.host,
                                          endpoint.port, timed_out ? "timed out" : ec.message())};
    }
    stream->socket().set_option(tcp::no_delay(true), ec);
    ++connections;
    return std::nullopt;
  }

  struct Outcome {
    std::expected<Response, TransportFailure> result;
    bool stale = false;  // the connection was found closed before any answer arrived
  };

  Outcome exchange(const Request& req, bool reused) {
    beast::error_code ec;
    stream->expires_after(timeout);
    beast::http::async_write(*stream, req, [&](const beast::error_code& e, std::size_t) { ec = e; });
    run();
    if (ec) return failure(ec, reused, /*got_bytes=*/false, "sending the request");

    beast::http::response_parser<beast::http::string_body> parser;
    parser.body_limit(kBodyLimit);
    parser.eager(true);
    if (req.method() == beast::http::verb::head) parser.skip(true);
    stream->expires_after(timeout);
    std::size_t read_bytes = 0;
    beast::http::async_read(*stream, buffer, parser, [&](const beast::error_code& e, std::size_t n) {
      ec = e;
      read_bytes = n;
    });
    run();
    if (ec) return failure(ec, reused, read_bytes > 0 || parser.got_some(), "reading the response");
    Response response = parser.release();
    if (!response.keep_alive()) close();
    return {std::move(response), false};
  }

  Outcome failure(const beast::error_code& ec, bool reused, bool got_bytes, std::string_view during) {
    close();
    if (is_timeout(ec))
      return {std::unexpected(TransportFailure{Kind::timeout, fmt::format("timed out {}", during)}), false};
    if (is_disconnect(ec)) {
      if (!got_bytes && reused) return {std::unexpected(TransportFailure{Kind::reset, "stale connection"}), true};
      if (!got_bytes && (ec == beast::http::error::end_of_stream || ec == asio::error::eof))
        return {std::unexpected(TransportFailure{Kind::empty_response,
                                                 "the server closed the connection without answering"}),
                false};
      return {std::unexpected(TransportFailure{Kind::reset, fmt::format("connection lost {}: {}", during,
                                                                         ec.message())}),
              false};
    }
    if (ec.category() == beast::http::make_error_code(beast::http::error::bad_target).category() ||
        ec == beast::http::error::body_limit)
      return {std::unexpected(TransportFailure{Kind::malformed,
                                               fmt::format("malformed HTTP response: {}", ec.message())}),
              false};
    return {std::unexpected(TransportFailure{Kind::reset, fmt::format("{}: {}", during, ec.message())}),
            false};
  }
};

BeastTransport::BeastTransport(Endpoint endpoint, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(std::move(endpoint), timeout)) {}

BeastTransport::~BeastTransport() {
  if (impl_) impl_->close();
}

const Endpoint& BeastTransport::endpoint() const noexcept { return impl_->endpoint; }
int BeastTransport::connections_opened() const noexcept { return impl_->connections; }

std::expected<Response, TransportFailure> BeastTransport::send(Request req) {
  Impl& impl = *impl_;
  if (req.find(beast::http::field::host) == req.end())
    req.set(beast::http::field::host, fmt::format("{}:{}", impl.endpoint.host, impl.endpoint.port));
  if (req.find(beast::http::field::user_agent) == req.end())
    req.set(beast::http::field::user_agent, "lockstep");
  req.keep_alive(true);
  req.prepare_payload();
  try {
    const bool reused = impl.stream.has_value();
    if (!reused) {
      if (auto failed = impl.connect()) return std::unexpected(std::move(*failed));
    }
    auto outcome = impl.exchange(req, reused);
    if (outcome.stale) {  // the one reconnect
      if (auto failed = impl.connect()) return std::unexpected(std::move(*failed));
      outcome = impl.exchange(req, false);
    }
    return std::move(outcome.result);
  } catch (const std::exception& e) {  // allocation or a socket option: never past the edge
    impl.close();
    return std::unexpected(TransportFailure{Kind::connect_failed, e.what()});
  }
}

}  // namespace lockstep::net
