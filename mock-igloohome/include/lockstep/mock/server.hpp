// The mock over real HTTP/1.1 (Boost.Beast, after Beast's awaitable and advanced
// server examples): one coroutine per connection with keep-alive, several threads
// on one io_context, a body limit, a read timeout, and clean shutdown on stop()
// or SIGINT/SIGTERM (when run() is used). Every request goes to Mock::handle; the
// network faults of its Reply (latency, reset, empty, malformed) are acted out on
// the socket. Malformed HTTP gets a JSON 400 (413 when the body is too large)
// when an answer is still possible, otherwise the connection is closed; the
// server itself never stops on a bad request.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "lockstep/mock/mock.hpp"

namespace lockstep::mock {

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 0;  // 0: any free port, see Server::port()
  int threads = 2;
  std::size_t body_limit = 1024 * 1024;
  std::size_t header_limit = 16 * 1024;
  std::chrono::seconds read_timeout{30};  // idle keep-alive connections close after this
};

class Server {
 public:
  // Binds and listens at once (throws std::system_error when it cannot), so
  // port() is valid right after construction.
  Server(Mock& mock, ServerOptions options = {});
  ~Server();  // stops
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  unsigned short port() const;
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
