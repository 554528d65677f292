// Temporary stub while the server is written.
#include "lockstep/mock/server.hpp"

#include <stdexcept>

namespace lockstep::mock {
struct Server::Impl {};
Server::Server(Mock&, ServerOptions) { throw std::runtime_error("mock server: not implemented yet"); }
Server::~Server() = default;
unsigned short Server::port() const { return 0; }
void Server::run() {}
void Server::start() {}
void Server::stop() {}
}  // namespace lockstep::mock
