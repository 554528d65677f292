#include "lockstep/harness/reference_participant.hpp"

#include <fmt/format.h>

#include "lockstep/clock.hpp"
#include "lockstep/igloohome/client.hpp"
#include "lockstep/random.hpp"

namespace lockstep::harness {

namespace detail {
namespace {

ReplyError refusal(const Error& e) { return ReplyError{std::string(to_string(e.code)), e.message}; }

Reply<Done> done(const Result<void>& r) {
  if (!r) return std::unexpected(refusal(r.error()));
  return Done{};
}

ReplyError not_initialised() { return ReplyError{"protocol_error", "init has not been called"}; }

}  // namespace
}  // namespace detail

struct ReferenceParticipant::State {
  ReferenceOptions options;
  SimulatedClock clock;
  SeededRandom rng;
  net::Transport* auth = nullptr;  // in-process
  net::Transport* api = nullptr;
  std::unique_ptr<igloohome::Client> client;          // in-process
  std::unique_ptr<igloohome::HttpClient> http_client;  // over HTTP
  std::unique_ptr<Engine> engine;

  explicit State(ReferenceOptions o) : options(std::move(o)), rng(options.seed) {}
};

ReferenceParticipant::ReferenceParticipant(net::Transport& auth, net::Transport& api,
                                           ReferenceOptions options)
    : state_(std::make_unique<State>(std::move(options))) {
  state_->auth = &auth;
  state_->api = &api;
}

ReferenceParticipant::ReferenceParticipant(ReferenceOptions options)
    : state_(std::make_unique<State>(std::move(options))) {}

ReferenceParticipant::~ReferenceParticipant() {
  // The engine holds the client: drop it first.
  if (state_) state_->engine.reset();
}

const Engine* ReferenceParticipant::engine() const noexcept { return state_->engine.get(); }

std::optional<CodeView> ReferenceParticipant::inspect(const std::string& booking_id) const {
  if (!state_->engine) return std::nullopt;
  auto view = state_->engine->code(booking_id);
  if (!view) return std::nullopt;
  return *view;
}

Reply<InitReply> ReferenceParticipant::init(const InitRequest& request) {
  auto& s = *state_;
  s.engine.reset();
  s.client.reset();
  s.http_client.reset();
  s.clock.set(request.now);
  s.rng = SeededRandom(s.options.seed);
  IgloohomeProvider* provider = nullptr;
  if (s.auth && s.api) {
    s.client = std::make_unique<igloohome::Client>(*s.auth, *s.api, s.clock);
    provider = s.client.get();
  } else {
    auto opened = igloohome::HttpClient::open(request.auth_url, request.api_url, s.clock);
    if (!opened) return std::unexpected(detail::refusal(opened.error()));
    s.http_client = std::move(*opened);
    provider = &s.http_client->client();
  }
  s.engine = std::make_unique<Engine>(s.clock, s.rng, *provider, s.options.profile);
  return InitReply{"lockstep-reference", "1"};
}

Reply<std::string> ReferenceParticipant::connect(const std::string& client_id, const std::string& client_secret) {
  if (!state_->engine) return std::unexpected(detail::not_initialised());
  auto name = state_->engine->connect(Credentials{client_id, client_secret});
  if (!name) return std::unexpected(detail::refusal(name.error()));
  return *name;
}

Reply<Done> ReferenceParticipant::disconnect() {
  if (!state_->engine) return std::unexpected(detail::not_initialised());
  return detail::done(state_->engine->disconnect());
}

Reply<Done> ReferenceParticipant::put_property(const std::string& property_id, const std::string& timezone) {
  if (!state_->engine) return std::unexpected(detail::not_initialised());
  return detail::done(state_->engine->put_property(property_id, timezone));
}

Reply<Done> ReferenceParticipant::assign_lock(const std::string& property_id, const std::string& brand,
                                              const std::string& lock_id) {
  if (!state_->engine) return std::unexpected(detail::not_initialised());
  auto b = brand_from_string(brand);
  if (!b)
    return std::unexpected(
        ReplyError{"invalid_argument", fmt::format("brand '{}' is not igloohome, nuki or ttlock", brand)});
  return detail::done(state_->engine->assign_lock(property_id, *b, lock_id));
}

Reply<Done> ReferenceParticipant::remove_lock(const std::string& property_id) {
  if (!state_->engine) return std::unexpected(detail::not_initialised());
  return detail::done(state_->engine->remove_lock(property_id));
}

Reply<Done> ReferenceParticipant::configure_lock(const std::string& lock_id, const LockConfig& config) {
  if (!state_->engine) return std::unexpected(detail::not_initialised());
  SettingsPatch patch;
  patch.days_before = config.days_before;
  patch.margin_minutes = config.margin_minutes;
  if (config.code_source) {
    auto source = code_source_from_string(*config.code_source);
    // S4: refused whole, naming the field; nothing of the patch applies.
    if (!source)
      return std::unexpected(ReplyError{
          "invalid_setting",
          fmt::format("code_source: '{}' is not \"random\" or \"guest_phone\"", *config.code_source)});
    patch.code_source = *source;
  }
  return detail::done(state_->engine->configure_lock(lock_id, patch));
}

Reply<Done> ReferenceParticipant::put_booking(const BookingRequest& booking) {
  if (!state_->engine) return std::unexpected(detail::not_initialised());
  auto in = parse_local(booking.checkin);
  if (!in) return std::unexpected(ReplyError{"invalid_booking", "checkin: " + in.error().message});
  auto out = parse_local(booking.checkout);
  if (!out) return std::unexpected(ReplyError{"invalid_booking", "checkout: " + out.error().message});
  BookingInput b;
  b.booking_id = booking.booking_id;
  b.property_id = booking.property_id;
  b.checkin = *in;
  b.checkout = *out;
  b.guest_phone = booking.guest_phone;
  return detail::done(state_->engine->put_booking(b));
}

Reply<Done> ReferenceParticipant::cancel_booking(const std::string& booking_id) {
  if (!state_->engine) return std::unexpected(detail::not_initialised());
  return detail::done(state_->engine->cancel_booking(booking_id));
}

Reply<std::optional<Instant>> ReferenceParticipant::tick(Instant now) {
  if (!state_->engine) return std::unexpected(detail::not_initialised());
  // Work due before `now` runs at its own instant; then the clock rests at `now`,
  // where the requests that follow take effect.
  state_->engine->run_until(now);
  state_->clock.advance_to(now);
  return state_->engine->next_wakeup();
}

Reply<CodeReply> ReferenceParticipant::get_code(const std::string& booking_id) {
  if (!state_->engine) return std::unexpected(detail::not_initialised());
  auto view = state_->engine->code(booking_id);
  if (!view) return std::unexpected(detail::refusal(view.error()));
  CodeReply r;
  r.status = std::string(to_string(view->status));
  r.code = view->code;
  if (view->kind) r.kind = std::string(to_string(*view->kind));
  r.valid_from = view->valid_from;
  r.valid_until = view->valid_until;
  return r;
}

Reply<std::string> ReferenceParticipant::render(const std::string& booking_id, const std::string& tmpl) {
  if (!state_->engine) return std::unexpected(detail::not_initialised());
  auto text = state_->engine->render(booking_id, tmpl);
  if (!text) return std::unexpected(detail::refusal(text.error()));
  return *text;
}

Reply<Done> ReferenceParticipant::shutdown() {
  state_->engine.reset();
  return Done{};
}

}  // namespace lockstep::harness
