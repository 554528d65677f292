// `lockstep mock`: the mock igloohome over HTTP until SIGINT/SIGTERM. See docs/mock.md.
#include <iostream>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "command.hpp"
#include "lockstep/mock/mock.hpp"
#include "lockstep/mock/server.hpp"
#include "lockstep/mock/world.hpp"

namespace {

struct MockOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8123;
  std::string world_file;
  int threads = 2;
  bool realtime = false;
  std::string now;
  std::size_t journal_limit = 100'000;
};

int run_mock(const MockOptions& options) {
  using namespace lockstep;
  mock::World world = mock::default_world();
  if (!options.world_file.empty()) {
    auto loaded = mock::load_world_file(options.world_file);
    if (!loaded) {
      std::cerr << "lockstep mock: " << loaded.error().message << "\n";
      return 2;
    }
    world = std::move(*loaded);
  }
  if (!options.now.empty()) {
    auto t = parse_instant(options.now);
    if (!t) {
      std::cerr << "lockstep mock: --now: " << t.error().message << "\n";
      return 2;
    }
    world.now = *t;
  }
  mock::Mock mock(std::move(world));
  // Faults listed in the world file are checked when the Mock loads them.
  if (options.realtime) mock.follow_system_time(true);
  mock.limit_journal(options.journal_limit);

  mock::ServerOptions server_options;
  server_options.host = options.host;
  server_options.port = options.port;
  server_options.threads = options.threads;
  mock::Server server(mock, server_options);
  std::cout << fmt::format(
      "lockstep mock listening on http://{}:{}  (token: /oauth2/token, API: /igloohome, admin: "
      "/__admin)  virtual clock {}{}\n",
      options.host, server.port(), format_instant(mock.now()), options.realtime ? " (real time)" : "");
  std::cout.flush();
  server.run();
  std::cout << "lockstep mock: stopped\n";
  return 0;
}

const bool registered = lockstep::cli::register_subcommand(
    "mock",
    "Serve the mock igloohome API (token, devices, bridge jobs, algoPIN) with its lock "
    "simulator, virtual clock, faults and admin API on 127.0.0.1. See docs/mock.md.",
    [](CLI::App& sub) -> lockstep::cli::Run {
      auto options = std::make_shared<MockOptions>();
      sub.add_option("--port", options->port, "TCP port (0: any free port, printed)")
          ->capture_default_str();
      sub.add_option("--world", options->world_file, "World file (JSON); default: the built-in world")
          ->check(CLI::ExistingFile);
      sub.add_option("--host", options->host, "Address to listen on")->capture_default_str();
      sub.add_option("--threads", options->threads, "Server threads")
          ->check(CLI::Range(1, 64))
          ->capture_default_str();
      sub.add_option("--now", options->now, "Virtual clock start (RFC 3339), overrides the world's");
      sub.add_option("--journal-limit", options->journal_limit,
                     "Keep the newest N requests in the journal (0: all); a server under load would grow without end")
          ->capture_default_str();
      sub.add_flag("--realtime", options->realtime,
                   "Let the virtual clock follow the system clock from its start value");
      return [options] { return run_mock(*options); };
    });

}  // namespace
