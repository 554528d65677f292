// The mock over real HTTP/1.1 (Boost.Beast, after Beast's awaitable and advanced
// server examples): one coroutine per connection with keep-alive, several threads
// on one io_context, a body limit, a read timeout, and clean shutdown on stop()
// or SIGINT/SIGTERM (when run() is used). Every request goes to Mock::handle; the
// network faults of its Reply (latency, reset, empty, malformed) are acted out on
// the socket. Malformed HTTP gets a JSON 400 (413 when the body is too large)
// when an answer is still possible, otherwise the connection is closed; the
// server itself never stops on a bad request.
//
// It is pointed at by code under test, so its resources are bounded whatever
// clients do (docs/mock.md, "Limits"): at most max_connections at once (one
// more is answered 503 and closed), at most pending_body_limit bytes reserved
// for request bodies still arriving, across all connections (a request whose
// Content-Length does not fit is answered 503), buffers shrunk and memory
// handed back to the system when large requests are done, and out of file
// descriptors the acceptor pauses (saying so once in the log) instead of
// spinning.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "lockstep/mock/mock.hpp"

namespace lockstep::mock {

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 0;  // 0: any free port, see Server::port()
  int threads = 2;
  std::size_t body_limit = 1024 * 1024;
  std::size_t header_limit = 16 * 1024;
  std::chrono::seconds read_timeout{30};  // idle keep-alive connections close after this
  std::size_t max_connections = 1024;      // open at once; more are answered 503 and closed
  std::size_t pending_body_limit = 64 * 1024 * 1024;  // bytes of bodies being received, all connections
  // Where the server tells what it does about its limits (EMFILE, the caps),
  // once per episode; nothing when empty.
  std::function<void(std::string_view)> log;
  // One line per request answered: "<virtual time> <METHOD> <path> <status>"
  // (the path without its query, which may carry secrets); nothing when empty.
  std::function<void(std::string_view)> request_log;
};

// What the server holds right now, for tests and for watching a server under load.
struct ServerStats {
  std::size_t connections = 0;         // open, being served
  std::size_t pending_body_bytes = 0;  // reserved for request bodies still arriving
  std::size_t refused = 0;             // connections and requests answered 503 so far
};

class Server {
 public:
  // Binds and listens at once, so port() is valid right after construction.
  // Throws std::system_error when it cannot, its code the errno
  // (std::errc::address_in_use for a busy port) and its message naming
  // host:port.
  Server(Mock& mock, ServerOptions options = {});
  ~Server();  // stops
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  unsigned short port() const;
  ServerStats stats() const;
  // Serves on the calling thread plus threads-1 more until stop(), SIGINT or SIGTERM.
  void run();
  // Serves on `threads` background threads; returns at once.
  void start();
  // Stops accepting, closes connections, joins the threads. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lockstep::mock
