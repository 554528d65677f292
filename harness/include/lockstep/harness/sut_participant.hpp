// SutParticipant: an implementation under test, run as a child process and
// driven over lockstep-sut/1 (../shared/contracts/sut-protocol.md).
//
// Each Participant call becomes one JSON request line on the child's stdin (ids
// counting from 1) and waits — never longer than the request timeout — for one
// reply line on its stdout. Replies that break the protocol (not JSON, wrong id,
// missing `ok`, a line over the length limit, no reply in time, the child gone)
// are a *protocol failure*: it is recorded once, with a clear message, the child
// is stopped, and every later call answers at once with `protocol_error`, so the
// simulation loop winds down quickly and the conformance driver reports ERROR
// (with the child's stderr tail) instead of comparing a broken run.
//
// `unsupported` replies are not failures: the request type is remembered, so the
// checks that need it are skipped and the report says which.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "lockstep/error.hpp"
#include "lockstep/harness/child_process.hpp"
#include "lockstep/harness/participant.hpp"

namespace lockstep::harness {

struct SutOptions {
  std::string command;  // split shell-like, run without a shell
  std::chrono::milliseconds request_timeout{10'000};
  std::chrono::milliseconds shutdown_grace{2'000};  // after `shutdown`, before SIGTERM, then SIGKILL
  ChildOptions child;
  std::size_t transcript_lines = 40;  // the last exchanges kept for an ERROR report
  // Polled while waiting for a reply: true ends the wait as the protocol failure
  // "interrupted" (the run was asked to stop).
  std::function<bool()> cancelled;
};

// What ended a run early.
struct ProtocolFailure {
  std::string message;      // e.g. "request 7 (tick): no reply within 10000 ms"
  std::string request;      // the request line sent, when there was one
  std::string stderr_tail;  // the child's log at the time
  std::optional<ExitStatus> exit;  // when the child had exited
};

class SutParticipant final : public Participant {
 public:
  // Starts the child. invalid_argument (bad command line) or io_error (cannot run it).
  static Result<std::unique_ptr<SutParticipant>> start(const SutOptions& options);
  // The same protocol without a process: each request line goes to `handler`,
  // which returns the reply line (e.g. ReferenceProtocolServer::handle, for the reference run
  // of `lockstep conform`, so both sides are driven by identical code).
  using LineHandler = std::function<std::string(std::string_view request_line)>;
  static std::unique_ptr<SutParticipant> in_process(LineHandler handler, SutOptions options = {});
  ~SutParticipant() override;

  Reply<InitReply> init(const InitRequest& request) override;
  Reply<std::string> connect(const std::string& client_id, const std::string& client_secret) override;
  Reply<Done> disconnect() override;
  Reply<Done> put_property(const std::string& property_id, const std::string& timezone) override;
  Reply<Done> assign_lock(const std::string& property_id, const std::string& brand,
                          const std::string& lock_id) override;
  Reply<Done> remove_lock(const std::string& property_id) override;
  Reply<Done> configure_lock(const std::string& lock_id, const LockConfig& config) override;
  Reply<Done> put_booking(const BookingRequest& booking) override;
  Reply<Done> cancel_booking(const std::string& booking_id) override;
  Reply<std::optional<Instant>> tick(Instant now) override;
  Reply<CodeReply> get_code(const std::string& booking_id) override;
  Reply<std::string> render(const std::string& booking_id, const std::string& tmpl) override;
  // Sends `shutdown`, then gives the child shutdown_grace to exit before stopping it.
  Reply<Done> shutdown() override;

  // Stops the child (if still running) and reaps it; idempotent.
  ExitStatus finish();

  const std::optional<ProtocolFailure>& failure() const noexcept { return failure_; }
  // Request types the implementation answered with `unsupported`.
  const std::set<std::string>& unsupported() const noexcept { return unsupported_; }
  std::string stderr_tail() const;
  // The last exchanges, "> request" and "< reply" lines, oldest first.
  const std::vector<std::string>& transcript() const noexcept { return transcript_; }
  pid_t pid() const noexcept;  // -1 in process

 private:
  SutParticipant(SutOptions options, std::unique_ptr<ChildProcess> child, LineHandler handler = {});
  // One request/reply turn. On ok:true returns the reply object; on ok:false the
  // ReplyError; on a protocol failure records it and returns protocol_error.
  std::expected<nlohmann::json, ReplyError> exchange(nlohmann::json request);
  ReplyError fail_protocol(std::string message, const std::string& request_line);
  void remember(std::string line);

  SutOptions options_;
  std::unique_ptr<ChildProcess> child_;  // null in process
  LineHandler handler_;
  long long next_id_ = 1;
  bool shut_down_ = false;
  std::optional<ProtocolFailure> failure_;
  std::set<std::string> unsupported_;
  std::vector<std::string> transcript_;
};

}  // namespace lockstep::harness
