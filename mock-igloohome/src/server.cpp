// The mock over HTTP/1.1: an acceptor coroutine and one session coroutine per
// connection (Beast's example/http/server/awaitable), each connection on its own
// strand so that several threads can serve one io_context (advanced/server).
#include "lockstep/mock/server.hpp"

// g++ 12 at -O2 reports "potential null pointer dereference" inside Asio's
// executor comparisons (any_executor equal_ex) once inlined here: a known false
// positive of -Wnull-dereference on Asio's type-erased executors.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <malloc.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <mutex>
#include <system_error>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace lockstep::mock {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kWriteTimeout = std::chrono::seconds{30};
constexpr auto kLingerTimeout = std::chrono::seconds{2};
constexpr std::size_t kLingerBytes = 4 * 1024 * 1024;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
// Out of descriptors, accept() fails at once and would be retried at once: wait
// between tries, longer each time, up to the cap.
constexpr auto kAcceptBackoffStart = std::chrono::milliseconds{50};
constexpr auto kAcceptBackoffMax = std::chrono::milliseconds{1000};
// Connections answered 503 at once; past this many being answered, just closed.
constexpr std::size_t kMaxRefusing = 64;
// A request whose body was at least this large gives its memory back when done.
constexpr std::size_t kLargeRequest = 256 * 1024;

bool out_of_descriptors(const boost::system::error_code& error) {
  return error == asio::error::no_descriptors || error == boost::system::errc::too_many_files_open_in_system ||
         error == asio::error::no_buffer_space || error == asio::error::no_memory;
}

// An answer for a request the handler never saw (it could not be parsed).
http::response<http::string_body> transport_error(http::status status, std::string_view code,
                                                  const std::string& message) {
  http::response<http::string_body> res{status, 11};
  res.set(http::field::server, "lockstep-mock");
  res.set(http::field::content_type, "application/json");
  res.keep_alive(false);
  res.body() = nlohmann::json{{"error", code}, {"message", message}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  res.prepare_payload();
  return res;
}

}  // namespace

struct Server::Impl {
  Mock& mock;
  ServerOptions options;
  asio::io_context ioc;
  std::optional<tcp::acceptor> acceptor;
  unsigned short bound_port = 0;
  std::mutex lifecycle;
  std::vector<std::thread> background;
  std::atomic<bool> stopped{false};

  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> refusing{0};
  std::atomic<std::size_t> refused{0};
  std::atomic<std::size_t> pending_body_bytes{0};
  // Each limit is told once when it is first hit, and again only after it cleared.
  std::atomic<bool> told_descriptors{false}, told_connections{false}, told_bodies{false};

  Impl(Mock& m, ServerOptions o) : mock(m), options(std::move(o)), ioc(std::max(1, options.threads)) {}

  void tell_once(std::atomic<bool>& told, const std::string& what) {
    if (!told.exchange(true) && options.log) options.log(what);
  }
  void clear(std::atomic<bool>& told, std::string_view what) {
    if (told.load(std::memory_order_relaxed) && told.exchange(false) && options.log) options.log(what);
  }

  // Hands freed memory back to the system after large requests: when no other
  // large body is in flight (the burst is over), else at most every 100 ms.
  std::atomic<std::int64_t> last_trim_ms{0};
  void give_memory_back() {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now().time_since_epoch())
                         .count();
    std::int64_t last = last_trim_ms.load();
    if (pending_body_bytes.load() >= kLargeRequest && now - last < 100) return;
    if (!last_trim_ms.compare_exchange_strong(last, now)) return;  // another thread is at it
    ::malloc_trim(0);
  }

  // Takes `n` bytes of the shared body budget, or says it cannot.
  bool reserve_body(std::size_t n) {
    std::size_t held = pending_body_bytes.load();
    do {
      if (n > options.pending_body_limit || held > options.pending_body_limit - n) return false;
    } while (!pending_body_bytes.compare_exchange_weak(held, held + n));
    return true;
  }

  asio::awaitable<void> session(beast::tcp_stream stream);
  asio::awaitable<void> refuse(beast::tcp_stream stream);
  asio::awaitable<void> listen();
  void close_acceptor() {
    asio::post(ioc, [this] {
      boost::system::error_code ignored;
      if (acceptor) acceptor->close(ignored);
    });
  }
};

namespace {

// After answering a request we stopped reading (too large, malformed), the
// peer may still be sending it. Closing with its bytes unread makes the kernel
// send a reset, which can destroy our answer before the peer reads it; so stop
// sending, then read and drop what still comes, briefly and boundedly.
asio::awaitable<void> linger_close(beast::tcp_stream& stream) {
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.expires_after(kLingerTimeout);
  std::array<char, 16 * 1024> sink{};
  std::size_t drained = 0;
  while (drained < kLingerBytes) {
    auto [error, n] = co_await stream.async_read_some(asio::buffer(sink), use_tuple);
    if (error) break;
    drained += n;
  }
  stream.socket().close(ignored);
}

}  // namespace

namespace {

// Gives back a reservation of the body budget, and the memory of a large
// request, however the request ends.
struct BodyReservation {
  std::atomic<std::size_t>* pending = nullptr;
  std::size_t bytes = 0;
  BodyReservation() = default;
  BodyReservation(const BodyReservation&) = delete;
  BodyReservation& operator=(const BodyReservation&) = delete;
  ~BodyReservation() { release(); }
  void release() {
    if (pending != nullptr) pending->fetch_sub(bytes);
    pending = nullptr;
  }
};

// A closed connection counts no more, whatever ended it.
struct ConnectionSlot {
  std::atomic<std::size_t>& count;
  ~ConnectionSlot() { count.fetch_sub(1); }
};

}  // namespace

asio::awaitable<void> Server::Impl::session(beast::tcp_stream stream) {
  ConnectionSlot slot{connections};
  beast::flat_buffer buffer;
  try {
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
      parser.body_limit(options.body_limit);
      stream.expires_after(options.read_timeout);
      // The header first: the body's room is reserved before any of it is read.
      auto [read_error, bytes] = co_await http::async_read_header(stream, buffer, parser, use_tuple);
      (void)bytes;
      BodyReservation reservation;
      if (!read_error && !parser.is_done()) {
        // Chunked bodies have no length: the most they may be is what they hold.
        const std::size_t wanted =
            static_cast<std::size_t>(parser.content_length().value_or(options.body_limit));
        if (!reserve_body(wanted)) {
          refused.fetch_add(1);
          tell_once(told_bodies,
                    fmt::format("lockstep mock: request bodies being received hold {} bytes, the limit "
                                "(--max-pending-body-bytes) is {}: answering 503 to requests that do not fit",
                                pending_body_bytes.load(), options.pending_body_limit));
          auto busy = transport_error(http::status::service_unavailable, "server_busy",
                                      fmt::format("request bodies being received already hold the {} bytes "
                                                  "this server allows; retry later",
                                                  options.pending_body_limit));
          busy.set(http::field::retry_after, "1");
          stream.expires_after(kWriteTimeout);
          co_await http::async_write(stream, busy, use_tuple);
          co_await linger_close(stream);
          co_return;
        }
        reservation.pending = &pending_body_bytes;
        reservation.bytes = wanted;
        auto [body_error, body_bytes] = co_await http::async_read(stream, buffer, parser, use_tuple);
        (void)body_bytes;
        read_error = body_error;
      }
      if (read_error) {
        // A message we could not read: answer when the peer can still listen
        // (its bytes were wrong), otherwise just close.
        std::optional<http::response<http::string_body>> answer;
        if (read_error == http::error::body_limit) {
          answer = transport_error(http::status::payload_too_large, "payload_too_large",
                                   fmt::format("body larger than {} bytes", options.body_limit));
        } else if (read_error == http::error::header_limit) {
          answer = transport_error(http::status::request_header_fields_too_large, "header_too_large",
                                   fmt::format("headers larger than {} bytes", options.header_limit));
        } else if (read_error.category() == http::make_error_code(http::error::bad_target).category() &&
                   read_error != http::error::end_of_stream && read_error != http::error::partial_message) {
          answer = transport_error(http::status::bad_request, "invalid_request",
                                   fmt::format("malformed HTTP request: {}", read_error.message()));
        }
        if (answer) {
          stream.expires_after(kWriteTimeout);
          co_await http::async_write(stream, *answer, use_tuple);
          co_await linger_close(stream);
          co_return;
        }
        break;
      }
      if (pending_body_bytes.load() < options.pending_body_limit / 2)
        clear(told_bodies, "lockstep mock: request bodies fit again");

      const bool large = reservation.bytes >= kLargeRequest;
      std::optional<Reply> answered;
      {
        auto request = parser.release();
        const std::optional<Instant> at = options.request_log ? std::optional<Instant>(mock.now()) : std::nullopt;
        answered = mock.handle(request);
        if (options.request_log) {
          const std::string_view target(request.target().data(), request.target().size());
          const auto path = target.substr(0, target.find('?'));  // a query may carry secrets
          std::string status = std::to_string(answered->response.result_int());
          if (answered->transport == Reply::Transport::reset) status = "reset";
          if (answered->transport == Reply::Transport::empty) status = "empty";
          options.request_log(fmt::format("{} {} {} {}", format_instant(*at),
                                          std::string_view(request.method_string()), path, status));
        }
      }
      Reply& reply = *answered;
      reservation.release();  // the body is handled and freed
      if (large) {
        // The body is gone; its room in the buffer and the allocator goes too.
        buffer.shrink_to_fit();
        give_memory_back();
      }
      if (reply.latency.count() > 0) {
        asio::steady_timer timer(stream.get_executor(), reply.latency);
        co_await timer.async_wait(use_tuple);
      }
      if (reply.transport == Reply::Transport::reset) {
        boost::system::error_code ignored;
        stream.socket().set_option(tcp::socket::linger(true, 0), ignored);
        stream.socket().close(ignored);
        co_return;
      }
      if (reply.transport == Reply::Transport::empty) break;

      const bool keep_alive = reply.response.keep_alive();
      stream.expires_after(kWriteTimeout);
      auto [write_error, written] = co_await http::async_write(stream, reply.response, use_tuple);
      (void)written;
      if (write_error || !keep_alive) break;
    }
  } catch (const std::exception&) {
    // A connection's trouble never reaches the server; the connection just ends.
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.socket().close(ignored);
}

// A connection past max_connections: told why, then closed.
asio::awaitable<void> Server::Impl::refuse(beast::tcp_stream stream) {
  ConnectionSlot slot{refusing};
  try {
    auto busy = transport_error(http::status::service_unavailable, "server_busy",
                                fmt::format("this server already has {} connections open, its limit; retry later",
                                            options.max_connections));
    busy.set(http::field::retry_after, "1");
    stream.expires_after(kLingerTimeout);
    co_await http::async_write(stream, busy, use_tuple);
    co_await linger_close(stream);
  } catch (const std::exception&) {
  }
}

asio::awaitable<void> Server::Impl::listen() {
  auto backoff = kAcceptBackoffStart;
  for (;;) {
    if (!acceptor || !acceptor->is_open()) co_return;
    auto [error, socket] = co_await acceptor->async_accept(asio::make_strand(ioc), use_tuple);
    if (error) {
      if (error == asio::error::operation_aborted || !acceptor->is_open()) co_return;
      if (out_of_descriptors(error)) {
        // Retrying at once would spin (the listener stays readable): keep
        // serving the connections we have and try again a little later.
        tell_once(told_descriptors,
                  fmt::format("lockstep mock: cannot accept connections: {} ({} open); pausing accept, "
                              "retrying up to every {} ms",
                              error.message(), connections.load(), kAcceptBackoffMax.count()));
        asio::steady_timer timer(ioc, backoff);
        co_await timer.async_wait(use_tuple);
        backoff = std::min(backoff * 2, std::chrono::duration_cast<std::chrono::milliseconds>(kAcceptBackoffMax));
      }
      continue;
    }
    backoff = kAcceptBackoffStart;
    clear(told_descriptors, "lockstep mock: accepting connections again");
    auto executor = socket.get_executor();
    if (connections.load() >= options.max_connections) {
      refused.fetch_add(1);
      tell_once(told_connections, fmt::format("lockstep mock: {} connections open, the limit (--max-connections): "
                                              "answering 503 to new ones",
                                              options.max_connections));
      if (refusing.load() < kMaxRefusing) {
        refusing.fetch_add(1);
        asio::co_spawn(executor, refuse(beast::tcp_stream(std::move(socket))), asio::detached);
      }
      continue;  // past that, the socket just closes
    }
    if (connections.load() < options.max_connections / 2)
      clear(told_connections, "lockstep mock: connections below the limit again");
    connections.fetch_add(1);
    asio::co_spawn(executor, session(beast::tcp_stream(std::move(socket))), asio::detached);
  }
}

Server::Server(Mock& mock, ServerOptions options) : impl_(std::make_unique<Impl>(mock, std::move(options))) {
  auto& acceptor = impl_->acceptor.emplace(impl_->ioc);
  const auto& o = impl_->options;
  auto failed = [&](const boost::system::error_code& ec, std::string_view doing) {
    const int code = ec.category() == boost::system::system_category() ? ec.value() : EINVAL;
    if (code == EADDRINUSE) throw std::system_error(code, std::generic_category(), fmt::format("port {} is in use", o.port));
    throw std::system_error(code, std::generic_category(),
                            fmt::format("cannot {} {}:{}: {}", doing, o.host, o.port, ec.message()));
  };
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(o.host, ec);
  if (ec) throw std::system_error(EINVAL, std::generic_category(), fmt::format("'{}' is not an IP address", o.host));
  const tcp::endpoint endpoint(address, o.port);
  if (acceptor.open(endpoint.protocol(), ec); ec) failed(ec, "open a socket for");
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (acceptor.bind(endpoint, ec); ec) failed(ec, "listen on");
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) failed(ec, "listen on");
  impl_->bound_port = acceptor.local_endpoint().port();
  asio::co_spawn(impl_->ioc, impl_->listen(), asio::detached);
}

Server::~Server() {
  stop();
  // Destroying the io_context destroys every suspended session, closing its socket.
  impl_->acceptor.reset();
}

unsigned short Server::port() const { return impl_->bound_port; }

ServerStats Server::stats() const {
  return {impl_->connections.load(), impl_->pending_body_bytes.load(), impl_->refused.load()};
}

void Server::run() {
  asio::signal_set signals(impl_->ioc, SIGINT, SIGTERM);
  signals.async_wait([this](const boost::system::error_code& error, int) {
    if (!error) {
      impl_->close_acceptor();
      impl_->ioc.stop();
    }
  });
  std::vector<std::thread> helpers;
  for (int i = 1; i < impl_->options.threads; ++i) helpers.emplace_back([this] { impl_->ioc.run(); });
  impl_->ioc.run();
  for (auto& t : helpers) t.join();
  boost::system::error_code ignored;
  signals.cancel(ignored);
}

void Server::start() {
  std::lock_guard guard(impl_->lifecycle);
  if (impl_->stopped || !impl_->background.empty()) return;
  for (int i = 0; i < std::max(1, impl_->options.threads); ++i) {
    impl_->background.emplace_back([this] { impl_->ioc.run(); });
  }
}

void Server::stop() {
  std::lock_guard guard(impl_->lifecycle);
  if (!impl_->stopped.exchange(true)) {
    impl_->close_acceptor();
    impl_->ioc.stop();
  }
  for (auto& t : impl_->background) t.join();
  impl_->background.clear();
}

}  // namespace lockstep::mock
