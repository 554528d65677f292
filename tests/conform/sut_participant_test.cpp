// SutParticipant against hostile implementations: each one must end as a clear
// protocol failure within the request timeout, with its stderr tail, and leave no
// process behind.
#include "lockstep/harness/sut_participant.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace lockstep::harness {
namespace {

using namespace std::chrono_literals;
using conform_test::process_gone;
using conform_test::TempDir;

InitRequest init_request() {
  return InitRequest{parse_instant("2026-03-01T00:00:00Z").value(), "http://127.0.0.1:1", "http://127.0.0.1:1/igloohome"};
}

// A child that answers gets 10 s: Python's start-up alone can pass half a second
// on a loaded CI machine. Tests about silence pass a short timeout of their own.
SutOptions options_for(const std::string& command) {
  SutOptions o;
  o.command = command;
  o.request_timeout = 10s;
  o.shutdown_grace = 200ms;
  return o;
}

// Runs `command` as the implementation, sends init, and returns the failure text
// (empty when init succeeded). Checks the child is gone afterwards.
struct Outcome {
  std::string error_code;
  std::string failure;
  std::string stderr_tail;
};

Outcome init_against(const std::string& command, std::chrono::milliseconds timeout = 10s) {
  auto options = options_for(command);
  options.request_timeout = timeout;
  auto sut = SutParticipant::start(options);
  EXPECT_TRUE(sut) << (sut ? "" : sut.error().message);
  if (!sut) return {};
  const pid_t pid = (*sut)->pid();
  Outcome out;
  auto reply = (*sut)->init(init_request());
  if (!reply) out.error_code = reply.error().code;
  if ((*sut)->failure()) {
    out.failure = (*sut)->failure()->message;
    out.stderr_tail = (*sut)->failure()->stderr_tail;
    // After a failure every call answers at once, without the child.
    auto again = (*sut)->tick(init_request().now);
    EXPECT_FALSE(again);
    if (!again) {
      EXPECT_EQ(again.error().code, "protocol_error");
    }
  }
  (*sut)->finish();
  EXPECT_TRUE(process_gone(pid)) << "child " << pid << " still exists";
  return out;
}

TEST(SutParticipant, ChildThatExitsAtOnceIsReportedWithItsStderr) {
  auto out = init_against("sh -c 'echo adapter: missing config file >&2; exit 3'");
  EXPECT_EQ(out.error_code, "protocol_error");
  EXPECT_NE(out.failure.find("exited with status 3"), std::string::npos) << out.failure;
  EXPECT_NE(out.failure.find("request 1 (init)"), std::string::npos) << out.failure;
  EXPECT_NE(out.stderr_tail.find("missing config file"), std::string::npos) << out.stderr_tail;
}

TEST(SutParticipant, GarbageIsNotJson) {
  auto out = init_against("sh -c 'read line; echo Hello, I am a web server'");
  EXPECT_EQ(out.error_code, "protocol_error");
  EXPECT_NE(out.failure.find("not JSON"), std::string::npos) << out.failure;
  EXPECT_NE(out.failure.find("Hello, I am a web server"), std::string::npos) << out.failure;
}

TEST(SutParticipant, AnEnormousLineIsRefused) {
  auto out = init_against(
      "python3 -c 'import sys; sys.stdin.readline(); sys.stdout.write(\"[\" + \"1,\" * 1500000 + \"1]\\n\"); "
      "sys.stdout.flush()'",
      5s);
  EXPECT_EQ(out.error_code, "protocol_error");
  EXPECT_NE(out.failure.find("longer than 1048576 bytes"), std::string::npos) << out.failure;
}

TEST(SutParticipant, SilenceEndsAtTheTimeout) {
  auto out = init_against("sh -c 'read line; echo thinking... >&2; sleep 60'", 500ms);
  EXPECT_EQ(out.error_code, "protocol_error");
  EXPECT_NE(out.failure.find("no reply within 500 ms"), std::string::npos) << out.failure;
  EXPECT_NE(out.stderr_tail.find("thinking..."), std::string::npos) << out.stderr_tail;
}

TEST(SutParticipant, AWrongIdIsAProtocolFailure) {
  auto out = init_against("sh -c 'read line; echo \"{\\\"id\\\": 99, \\\"ok\\\": true}\"; sleep 60'");
  EXPECT_EQ(out.error_code, "protocol_error");
  EXPECT_NE(out.failure.find("id 99, expected 1"), std::string::npos) << out.failure;
}

TEST(SutParticipant, AReplyWithoutOkIsAProtocolFailure) {
  auto out = init_against("sh -c 'read line; echo \"{\\\"id\\\": 1}\"; sleep 60'");
  EXPECT_NE(out.failure.find("no boolean 'ok'"), std::string::npos) << out.failure;
}

// An error must name itself: an empty error.code is no code at all. The
// implementation's own codes (even one spelled like the driver's) pass through.
TEST(SutParticipant, AnErrorNeedsANonEmptyCode) {
  auto reply_with = [](std::string line) {
    auto sut = SutParticipant::in_process([line](std::string_view) { return line; });
    auto reply = sut->put_booking({"B1", "P1", "2026-03-29T02:30", "2026-03-31T11:00", std::nullopt});
    EXPECT_FALSE(reply);
    return std::pair{reply ? std::string() : reply.error().code,
                     sut->failure() ? sut->failure()->message : std::string()};
  };
  const auto [empty_code, empty_failure] = reply_with(R"({"id":1,"ok":false,"error":{"code":""}})");
  EXPECT_EQ(empty_code, "protocol_error");
  EXPECT_NE(empty_failure.find("non-empty string"), std::string::npos) << empty_failure;
  const auto [own_code, own_failure] = reply_with(R"({"id":1,"ok":false,"error":{"code":"invalid_booking"}})");
  EXPECT_EQ(own_code, "invalid_booking");
  EXPECT_TRUE(own_failure.empty()) << own_failure;
}

TEST(SutParticipant, AChildIgnoringSigtermIsKilled) {
  auto out = init_against("sh -c 'trap \"\" TERM; read line; while :; do sleep 1; done'", 500ms);
  EXPECT_NE(out.failure.find("no reply within"), std::string::npos) << out.failure;
}

TEST(SutParticipant, AnUnrunnableCommandIsBadInput) {
  auto sut = SutParticipant::start(options_for("/nonexistent/adapter --flag"));
  ASSERT_FALSE(sut);
  EXPECT_EQ(sut.error().code, ErrorCode::io_error);
  auto quoted = SutParticipant::start(options_for("python3 'unterminated"));
  ASSERT_FALSE(quoted);
  EXPECT_EQ(quoted.error().code, ErrorCode::invalid_argument);
}

// A tiny well-behaved implementation: answers init and tick, refuses the rest as
// unsupported, and checks that ids count up from 1.
constexpr const char* polite_adapter = R"(import json, sys
expected = 1
for line in sys.stdin:
    req = json.loads(line)
    if req["id"] != expected:
        print("bad id", req["id"], file=sys.stderr); sys.exit(9)
    expected += 1
    t = req["type"]
    if t == "init":
        out = {"id": req["id"], "ok": True, "name": "polite", "version": "1.2"}
    elif t == "tick":
        out = {"id": req["id"], "ok": True, "next_wakeup": "2026-03-02T00:00:00Z"}
    elif t == "get_code":
        out = {"id": req["id"], "ok": True, "status": "scheduled", "code": None, "kind": None,
               "valid_from": "2026-03-05T14:30:00Z", "valid_until": None}
    elif t == "put_booking":
        out = {"id": req["id"], "ok": False, "error": {"code": "invalid_booking", "message": "no"}}
    elif t == "shutdown":
        print(json.dumps({"id": req["id"], "ok": True})); sys.stdout.flush(); sys.exit(0)
    else:
        out = {"id": req["id"], "ok": False, "error": {"code": "unsupported", "message": t}}
    print(json.dumps(out)); sys.stdout.flush()
)";

TEST(SutParticipant, SpeaksTheProtocolWithAWellBehavedChild) {
  TempDir dir;
  const auto script = dir.file("polite.py", polite_adapter);
  // A well-behaved child is given time: python's start-up on a loaded CI
  // machine can pass the 500 ms the hostile cases use.
  auto options = options_for(std::string(LOCKSTEP_PYTHON) + " " + script);
  options.request_timeout = 10s;
  auto sut = SutParticipant::start(options);
  ASSERT_TRUE(sut);
  auto& p = **sut;
  const pid_t pid = p.pid();
  auto init = p.init(init_request());
  ASSERT_TRUE(init) << init.error().message;
  EXPECT_EQ(init->name, "polite");
  EXPECT_EQ(init->version, "1.2");
  auto wake = p.tick(init_request().now);
  ASSERT_TRUE(wake);
  ASSERT_TRUE(*wake);
  EXPECT_EQ(format_instant(**wake), "2026-03-02T00:00:00Z");
  auto code = p.get_code("b1");
  ASSERT_TRUE(code);
  EXPECT_EQ(code->status, "scheduled");
  EXPECT_FALSE(code->code);
  ASSERT_TRUE(code->valid_from);
  EXPECT_EQ(format_instant(*code->valid_from), "2026-03-05T14:30:00Z");
  auto booking = p.put_booking({"b1", "p1", "2026-03-05T15:00", "2026-03-07T11:00", std::nullopt});
  ASSERT_FALSE(booking);
  EXPECT_EQ(booking.error().code, "invalid_booking");
  auto render = p.render("b1", "{{smartlock_code}}");
  ASSERT_FALSE(render);
  EXPECT_EQ(render.error().code, "unsupported");
  EXPECT_TRUE(p.unsupported().contains("render"));
  EXPECT_FALSE(p.failure());
  auto connect = p.connect("demo-client", "demo-secret");
  ASSERT_FALSE(connect);
  for (const auto& line : p.transcript()) EXPECT_EQ(line.find("demo-secret"), std::string::npos) << line;
  EXPECT_TRUE(p.shutdown());
  EXPECT_TRUE(process_gone(pid));
}

TEST(SutParticipant, AMalformedFieldIsAProtocolFailure) {
  TempDir dir;
  const auto script = dir.file("bad_status.py", R"(import json, sys
for line in sys.stdin:
    req = json.loads(line)
    out = {"id": req["id"], "ok": True}
    if req["type"] == "get_code":
        out.update({"status": "wonderful", "code": None})
    print(json.dumps(out)); sys.stdout.flush()
)");
  auto sut = SutParticipant::start(options_for(std::string(LOCKSTEP_PYTHON) + " " + script));
  ASSERT_TRUE(sut);
  ASSERT_TRUE((*sut)->init(init_request()));
  auto code = (*sut)->get_code("b1");
  ASSERT_FALSE(code);
  ASSERT_TRUE((*sut)->failure());
  EXPECT_NE((*sut)->failure()->message.find("'status' is 'wonderful'"), std::string::npos)
      << (*sut)->failure()->message;
}

}  // namespace
}  // namespace lockstep::harness
