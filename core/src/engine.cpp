// The reference engine. Layout of this file:
//   1. names of the public enums;
//   2. the state: properties, locks, bookings, PIN records (bridge codes as they
//      exist on igloohome), the work queue; audit trails are in audit_log.hpp;
//   3. commands (connect ... cancel_booking): validate everything first, then change;
//   4. work (run_until): generation attempts, job polls, expiry, deletions.
// Decisions where behaviour.md is silent are listed, with their rule ids, in
// docs/engine.md.
#include "lockstep/engine.hpp"
#include "lockstep/rule.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <stdexcept>
#include <tuple>
#include <unordered_map>

#include <fmt/format.h>

#include "lockstep/message.hpp"
#include "audit_log.hpp"
#include "chunked_vector.hpp"
#include "attempt_log.hpp"
#include "compact_optional.hpp"
#include "pin_index.hpp"
#include "text_pool.hpp"

namespace lockstep {

std::string_view to_string(Brand b) noexcept {
  switch (b) {
    case Brand::igloohome: return "igloohome";
    case Brand::nuki: return "nuki";
    case Brand::ttlock: return "ttlock";
  }
  return "igloohome";
}

std::optional<Brand> brand_from_string(std::string_view s) noexcept {
  if (s == "igloohome") return Brand::igloohome;
  if (s == "nuki") return Brand::nuki;
  if (s == "ttlock") return Brand::ttlock;
  return std::nullopt;
}

std::string_view to_string(CodeStatus s) noexcept {
  switch (s) {
    case CodeStatus::none: return "none";
    case CodeStatus::scheduled: return "scheduled";
    case CodeStatus::retrying: return "retrying";
    case CodeStatus::active: return "active";
    case CodeStatus::failed: return "failed";
    case CodeStatus::revoked: return "revoked";
  }
  return "none";
}

std::string_view to_string(CodeKind k) noexcept { return k == CodeKind::pin ? "pin" : "algopin"; }

std::string_view to_string(PinSource s) noexcept {
  switch (s) {
    case PinSource::random: return "random";
    case PinSource::guest_phone: return "guest_phone";
    case PinSource::algopin: return "algopin";
  }
  return "random";
}

std::string_view to_string(AuditKind k) noexcept {
  switch (k) {
    case AuditKind::scheduled: return "scheduled";
    case AuditKind::rescheduled: return "rescheduled";
    case AuditKind::attempt: return "attempt";
    case AuditKind::attempt_failed: return "attempt_failed";
    case AuditKind::value_rejected: return "value_rejected";
    case AuditKind::phone_fallback: return "phone_fallback";
    case AuditKind::job_pending: return "job_pending";
    case AuditKind::code_created: return "code_created";
    case AuditKind::code_moved: return "code_moved";
    case AuditKind::code_deleted: return "code_deleted";
    case AuditKind::delete_failed: return "delete_failed";
    case AuditKind::generation_failed: return "generation_failed";
    case AuditKind::cancelled: return "cancelled";
    case AuditKind::alert: return "alert";
    case AuditKind::warning: return "warning";
    case AuditKind::dropped: return "dropped";
  }
  return "scheduled";
}

namespace {

using Index = std::uint32_t;
using pin_index::PinText;
using text_pool::TextRef;
constexpr Index kNoIndex = std::numeric_limits<Index>::max();

std::string_view name_of(Rule r) { return to_string(r); }

// Bookings by id: an open-addressed table of booking indexes, compared through
// the bookings' own ids. 8 bytes a booking, where an unordered_map<string, Index>
// (a node with a copy of the id and its hash, and a bucket) took ~72 at 1M.
class BookingIndex {
 public:
  // The booking whose id is `id`, or kNoIndex; id_of(i) is booking i's id.
  template <class IdOf>
  Index find(std::string_view id, const IdOf& id_of) const {
    if (slots_.empty()) return kNoIndex;
    for (std::size_t at = slot_of(id);; at = (at + 1) & (slots_.size() - 1)) {
      const Index i = slots_[at];
      if (i == kNoIndex || id_of(i) == id) return i;
    }
  }
  // Adds booking i, whose id is not in the table yet.
  template <class IdOf>
  void insert(Index i, const IdOf& id_of) {
    // At most half full: probes stay short.
    if ((size_ + 1) * 2 > slots_.size()) {
      std::vector<Index> old(std::max<std::size_t>(16, slots_.size() * 2), kNoIndex);
      old.swap(slots_);
      for (const Index j : old)
        if (j != kNoIndex) place(j, id_of);
    }
    place(i, id_of);
    ++size_;
  }

 private:
  std::size_t slot_of(std::string_view id) const {
    return std::hash<std::string_view>{}(id) & (slots_.size() - 1);
  }
  template <class IdOf>
  void place(Index i, const IdOf& id_of) {
    std::size_t at = slot_of(id_of(i));
    while (slots_[at] != kNoIndex) at = (at + 1) & (slots_.size() - 1);
    slots_[at] = i;
  }
  std::vector<Index> slots_;  // a power of two long; kNoIndex: free
  std::size_t size_ = 0;
};

struct Property {
  std::string id;
  Zone zone;
  Index lock = kNoIndex;
  std::vector<Index> bookings;
};

using WindowKey = std::tuple<std::int64_t, std::int64_t, int>;

struct Lock {
  std::string id;
  Brand brand = Brand::igloohome;
  std::optional<std::string> bridge_id;  // igloohome: absent = algoPIN lock
  LockSettings settings;
  Index property = kNoIndex;  // the property it is assigned to
  // C1: PIN value -> records that may be on the lock (creating, active, deleting).
  pin_index::LockPins pins;
  // C5: variances (bit 1..3) used per identical algoPIN window.
  std::map<WindowKey, std::uint8_t> variances;
  // B1: bookings making their code again after another's delete took it (by
  // value): their PIN is theirs until it is back on (usually empty).
  std::vector<Index> remaking;

  LockKind kind() const { return bridge_id ? LockKind::bridge : LockKind::algopin; }
  bool is_igloohome() const { return brand == Brand::igloohome; }
};

// A bridge PIN as it exists (or is being made or unmade) on igloohome.
enum class RecordState : std::uint8_t { creating, active, deleting, gone };

struct PinRecord {
  Index booking = kNoIndex;
  Index lock = kNoIndex;
  PinText pin;
  Instant valid_from{};
  Instant valid_until{};
  std::string job_id;
  Instant try_start{};     // start of the current create/delete try
  Instant delete_until{};  // deletes are tried while strictly before this
  std::uint32_t gen = 0;   // invalidates queued work for this record
  RecordState state = RecordState::gone;
  Rule delete_rule = Rule::C4;
  bool pending_logged = false;
};

enum class Timing : std::uint8_t {
  normal,        // at the plan's generation time, or now if it has passed (T3)
  at_once,       // now (B1 moves)
  keep_cadence,  // as normal, but a retrying booking keeps its next retry time (S4)
};

// A booking's plan as kept: BookingPlan's T2-T4 instants (its T1 instants are
// read only while planning), its algoPIN window out of line (Booking::algopin).
struct StoredPlan {
  compact::Instant32 valid_from{};      // T2
  compact::Instant32 valid_until{};     // T2
  compact::Instant32 generate_at{};     // T3 (not yet moved to a later booking time)
  compact::Instant32 retry_deadline{};  // T4: attempts must start strictly before this
};

// 128 bytes (464 when every text was a std::string, every optional a
// std::optional, every time point 8 bytes, the settings a LockSettings copy and
// the attempts a vector): at a million bookings the engine's state is mostly this
// array. Fields are ordered by size so that none is padded, the small ones in
// their ranges.
struct Booking {
  TextRef id;           // in State::texts
  TextRef guest_phone;  // none: no phone
  // Its time points in 32 bits each (compact::Seconds32): put_booking keeps
  // only stays inside kFirstKeptStay..kLastKeptStay.
  compact::LocalDateTime32 checkin{};
  compact::LocalDateTime32 checkout{};
  StoredPlan plan;

  // Generation cycle.
  compact::OptionalInstant generate_at;
  compact::Instant32 next_at{};  // the queued attempt's time
  compact::Instant32 attempt_start{};

  // The code issued.
  compact::OptionalInstant issued_at;
  TextRef code;  // in State::texts

  Index property = kNoIndex;
  std::uint32_t gen = 0;  // invalidates queued work for this booking
  Index lock = kNoIndex;  // the lock holding / to hold the code
  Index record = kNoIndex;  // live bridge record (creating or active)
  // B1: the code of a guest in their stay, kept on the lock while its
  // replacement is being made; deleted once that is on, or at its own end.
  Index old_record = kNoIndex;
  // B1: made again after another booking's delete took its PIN (remake_sharers):
  // the lock whose `remaking` list reserves that PIN for it until it is back on.
  Index remaking_on = kNoIndex;
  // C5: the algoPIN window asked for, in State::algopin_windows (kNoIndex: none
  // yet; has_algopin says whether the booking has one now).
  Index algopin = kNoIndex;
  Index attempts_last = kNoIndex;  // in State::attempts: start of each attempt (T4)
  // The booking's last audit event in the engine's audit log (chained backwards).
  Index audit_last = kNoIndex;
  std::uint32_t draws = 0;  // values drawn from this booking's random stream
  LocalDate checkin_day{};  // T3, as planned (StoredPlan holds the plan's instants)
  std::uint16_t values_tried = 0;  // in this attempt (C3: the profile's limit fits 16 bits)
  std::uint16_t attempt_no = 0;
  // The settings `plan` was computed with (B0: zone changes): all that planning
  // reads of LockSettings, in their ranges (S1: 1..14, S2: 0..240).
  std::uint8_t plan_margin_minutes = 0;
  std::uint8_t plan_days_before : 4 = 0;
  bool cancelled : 1 = false;
  bool has_algopin : 1 = false;
  // B1: a move made during the stay retries until the new window ends, not
  // only until the T4 deadline (long past for a guest already in the stay).
  bool move_in_stay : 1 = false;
  CodeStatus status = CodeStatus::none;
  PinText preferred_pin;  // B1: keep the PIN when moving (empty: none)
  compact::SmallOptional<PinSource> preferred_source;
  compact::SmallOptional<CodeKind> kind;
  compact::SmallOptional<PinSource> source;
  compact::SmallOptional<PhoneFallback> fallback;
  compact::SmallOptional<int> variance;
};
static_assert(sizeof(Booking) == 128);

enum class WorkKind : std::uint8_t { attempt, poll_create, expire, delete_try, poll_delete, expire_old };

// 8 bytes (12 with the kind a field of its own): a year of a million bookings
// keeps a million of these queued. The kind is in the top bits of the target,
// which leaves 2^29 bookings or records, far past what memory holds.
class Work {
 public:
  static constexpr unsigned kTargetBits = 29;
  static constexpr Index kMaxTarget = (Index{1} << kTargetBits) - 1;

  Work(Index target, std::uint32_t gen, WorkKind kind)
      : packed_(target | static_cast<Index>(kind) << kTargetBits), gen_(gen) {
    if (target > kMaxTarget) throw std::length_error("more than 2^29 bookings or PIN records");
  }
  Index target() const { return packed_ & kMaxTarget; }
  WorkKind kind() const { return static_cast<WorkKind>(packed_ >> kTargetBits); }
  std::uint32_t gen() const { return gen_; }

 private:
  Index packed_;
  std::uint32_t gen_;
};
static_assert(sizeof(Work) == 8);
static_assert(static_cast<unsigned>(WorkKind::expire_old) < (1u << (32 - Work::kTargetBits)));

// Work queued for one instant, in the order it was queued; `next` is the first
// not yet taken.
struct WorkBucket {
  std::vector<Work> work;
  std::size_t next = 0;
};

// The work queue: work in time order, and at one instant in the order it was
// queued (what a binary heap ordered by (time, sequence number) gave). It is
// kept as one bucket per instant: a year of a million bookings queues millions
// of entries but only a few thousand distinct instants (generation times at
// local midnights, check-outs on the half hour, retries on the hour), and the
// heap's sifts through millions of entries were a fifth of the run, in cache
// misses. A bucket is freed as soon as it is used up.
class WorkQueue {
 public:
  void push(std::int64_t at, const Work& w) { buckets_[at].work.push_back(w); }
  bool empty() const { return buckets_.empty(); }
  std::int64_t top_at() const { return buckets_.begin()->first; }
  const Work& top() const {
    const WorkBucket& b = buckets_.begin()->second;
    return b.work[b.next];
  }
  void pop() {
    const auto first = buckets_.begin();
    if (++first->second.next == first->second.work.size()) buckets_.erase(first);
  }

 private:
  std::map<std::int64_t, WorkBucket> buckets_;
};

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

using audit_log::Iso;
using audit_log::IsoDay;
using audit_log::AttemptOrdinal;

}  // namespace
}  // namespace lockstep

namespace lockstep {
namespace {

std::int64_t ticks(Instant t) { return t.time_since_epoch().count(); }
Instant from_ticks(std::int64_t s) { return Instant{Seconds{s}}; }

bool is_terminal(FailureKind k) {
  return k == FailureKind::needs_reconnect || k == FailureKind::lock_missing ||
         k == FailureKind::invalid_request || k == FailureKind::limit_reached;
}

std::string describe(const ProviderFailure& f) {
  std::string text = f.message.empty() ? std::string(to_string(f.kind)) : f.message;
  if (f.http_status != 0) text += fmt::format(" (HTTP {})", f.http_status);
  return text;
}

bool overlaps(Instant a_from, Instant a_until, Instant b_from, Instant b_until) {
  return a_from < b_until && b_from < a_until;
}

}  // namespace

struct Engine::State {
  Clock& clock;
  RandomSource& rng;
  IgloohomeProvider& igloohome;
  Profile profile;
  std::uint64_t salt;
  bool keep_audit_text = true;
  Engine::AuditListener audit_listener;

  bool connected = false;
  std::string account_name;

  std::vector<Property> properties;
  std::unordered_map<std::string, Index> property_index;
  std::vector<Lock> locks;
  std::unordered_map<std::string, Index> lock_index;
  chunked::Vector<Booking> bookings;  // by index; in chunks, never moved (chunked_vector.hpp)
  text_pool::Pool texts;  // the bookings' ids, phones and codes
  attempt_log::Log attempts;
  std::vector<AlgoPinWindow> algopin_windows;  // Booking::algopin
  BookingIndex booking_index;
  std::string_view text(TextRef r) const { return texts.view(r); }
  std::string_view booking_id(Index b) const { return texts.view(bookings[b].id); }
  Index find_booking(std::string_view id) const {
    return booking_index.find(id, [this](Index b) { return booking_id(b); });
  }
  void index_booking(Index b) {
    booking_index.insert(b, [this](Index i) { return booking_id(i); });
  }
  chunked::Vector<PinRecord> records;
  std::vector<Index> free_records;

  WorkQueue queue;

  audit_log::Log audit_log;
  std::vector<Notice> notices;
  mutable std::unordered_map<Index, std::vector<AuditEvent>> audit_views;

  State(Clock& c, RandomSource& r, IgloohomeProvider& p, Profile prof)
      : clock(c), rng(r), igloohome(p), profile(sane(prof)), salt(r.next_u64()) {}

  // Intervals of zero or less would make run_until spin at one instant: they
  // are raised to one minute (one value an attempt at least).
  static Profile sane(Profile p) {
    if (p.retry_interval <= Minutes{0}) p.retry_interval = Minutes{1};
    if (p.job_poll_interval <= Minutes{0}) p.job_poll_interval = Minutes{1};
    if (p.delete_retry_window < Minutes{0}) p.delete_retry_window = Minutes{0};
    p.max_values_per_attempt = std::clamp(p.max_values_per_attempt, 1, 65535);  // Booking::values_tried
    return p;
  }

  Instant now() const { return clock.now(); }

  // ---- a booking's out-of-line parts -------------------------------------

  std::optional<AlgoPinWindow> algopin_of(const Booking& bk) const {
    if (!bk.has_algopin) return std::nullopt;
    return algopin_windows[bk.algopin];
  }
  void set_algopin(Booking& bk, const AlgoPinWindow& w) {
    if (bk.algopin == kNoIndex) {
      bk.algopin = static_cast<Index>(algopin_windows.size());
      algopin_windows.push_back(w);
    } else {
      algopin_windows[bk.algopin] = w;
    }
    bk.has_algopin = true;
  }
  void set_plan(Booking& bk, const BookingPlan& p) {
    bk.plan = StoredPlan{p.valid_from, p.valid_until, p.generate_at, p.retry_deadline};
    bk.checkin_day = p.checkin_day;
    bk.has_algopin = false;
    if (p.algopin) set_algopin(bk, *p.algopin);
  }
  static LockSettings plan_settings_of(const Booking& bk) {
    LockSettings s;
    s.days_before = bk.plan_days_before;
    s.margin_minutes = bk.plan_margin_minutes;
    return s;
  }
  static void set_plan_settings(Booking& bk, const LockSettings& s) {
    bk.plan_days_before = static_cast<std::uint8_t>(s.days_before);
    bk.plan_margin_minutes = static_cast<std::uint8_t>(s.margin_minutes);
  }

  // ---- bookkeeping -------------------------------------------------------

  template <class... Args>
  void audit(Index b, AuditKind kind, Rule rule, fmt::format_string<Args...> f, Args&&... args) {
    audit_log::Event e{};
    e.at = ticks(now());
    e.kind = static_cast<std::uint8_t>(kind);
    e.rule = rule;
    e.attempt = bookings[b].attempt_no;
    if (audit_listener) {
      fmt::memory_buffer text;
      fmt::format_to(std::back_inserter(text), f, std::forward<Args>(args)...);
      AuditEvent a;
      a.at = from_ticks(e.at);
      a.kind = kind;
      a.rule = std::string(name_of(rule));
      a.message = std::string(text.data(), text.size());
      a.attempt = e.attempt;
      audit_listener(std::string(booking_id(b)), a);
    }
    Booking& bk = bookings[b];
    audit_log.append(bk.audit_last, e, keep_audit_text, fmt::string_view(f), args...);
  }

  void notify(Index b, Index lock, std::string code, Rule rule, std::string message) {
    Notice n;
    n.at = now();
    if (b != kNoIndex) n.booking_id = std::string(booking_id(b));
    if (lock != kNoIndex) n.lock_id = locks[lock].id;
    n.code = std::move(code);
    n.rule = std::string(name_of(rule));
    n.message = std::move(message);
    notices.push_back(std::move(n));
  }

  void push(Instant at, WorkKind kind, Index target, std::uint32_t gen) {
    queue.push(ticks(at), Work(target, gen, kind));
  }

  bool is_current(const Work& w) const {
    switch (w.kind()) {
      case WorkKind::attempt:
      case WorkKind::poll_create:
      case WorkKind::expire:
        return bookings[w.target()].gen == w.gen();
      case WorkKind::delete_try:
      case WorkKind::poll_delete:
      case WorkKind::expire_old:
        return records[w.target()].gen == w.gen() && records[w.target()].state != RecordState::gone;
    }
    return false;
  }

  void drop_stale() {
    while (!queue.empty() && !is_current(queue.top())) queue.pop();
  }

  // A fresh random stream per booking and draw, so a booking's values do not
  // depend on the order in which bookings were entered or processed.
  std::string draw_pin(Index b, Index lock) {
    Booking& bk = bookings[b];
    SeededRandom stream(salt ^ fnv1a(booking_id(b)) ^ (0x9e3779b97f4a7c15ULL * ++bk.draws));
    return random_pin(stream, [&](std::string_view pin) { return pin_in_use(lock, pin, b, bk.plan); });
  }

  // C1: another booking's code with this value on this lock, windows overlapping
  // (or being made again there after another's delete took it: remake_sharers).
  bool pin_in_use(Index lock, std::string_view pin, Index b, const StoredPlan& plan) const {
    bool held = false;
    locks[lock].pins.each(PinText(pin), [&](Index i) {
      const PinRecord& r = records[i];
      if (r.booking == b || r.state == RecordState::gone) return true;
      held = overlaps(r.valid_from, r.valid_until, plan.valid_from, plan.valid_until);
      return !held;
    });
    if (held) return true;
    for (const Index other : locks[lock].remaking) {
      const Booking& o = bookings[other];
      if (other != b && !o.cancelled && o.preferred_pin == pin &&
          overlaps(o.plan.valid_from, o.plan.valid_until, plan.valid_from, plan.valid_until))
        return true;
    }
    return false;
  }

  void stop_remaking(Index b) {
    Booking& bk = bookings[b];
    if (bk.remaking_on == kNoIndex) return;
    std::erase(locks[bk.remaking_on].remaking, b);
    bk.remaking_on = kNoIndex;
  }

  // A status poll that failed (a 5xx, a 429) is not a job that failed: the job
  // may have run, and its PIN be on the lock or gone from it. Such a poll is
  // asked again like a pending job until the attempt's time is up.
  bool poll_again(const ProviderResult<JobStatus>& status, Instant try_start) const {
    return !status && status.error().kind == FailureKind::retryable && now() - try_start < profile.retry_interval;
  }

  // B1: an entry of booking `b` with value `pin` may still be on the lock (kept
  // while its replacement is made, or its delete not yet done) and ends after
  // the new window.
  bool own_entry_outlives(Index lock, std::string_view pin, Index b, const StoredPlan& plan) const {
    bool outlives = false;
    locks[lock].pins.each(PinText(pin), [&](Index i) {
      const PinRecord& r = records[i];
      outlives = r.booking == b && r.state != RecordState::gone && r.valid_until > plan.valid_until;
      return !outlives;
    });
    return outlives;
  }

  Index new_record() {
    if (!free_records.empty()) {
      const Index r = free_records.back();
      free_records.pop_back();
      return r;
    }
    records.emplace_back();
    return static_cast<Index>(records.size() - 1);
  }

  // The record is no longer on the lock (or is given up on): out of the C1 index.
  void retire_record(Index r) {
    PinRecord& rec = records[r];
    locks[rec.lock].pins.remove(rec.pin, r);
    rec.state = RecordState::gone;
    ++rec.gen;
    rec.job_id.clear();
    rec.job_id.shrink_to_fit();
    free_records.push_back(r);
  }

  // ---- planning ------------------------------------------------------------

  const LockSettings& settings_for(const Property& p) const {
    static const LockSettings defaults{};
    return p.lock == kNoIndex ? defaults : locks[p.lock].settings;
  }

  Result<BookingPlan> window_plan(const Property& p, LocalDateTime checkin, LocalDateTime checkout) const {
    return plan_booking(p.zone, checkin, checkout, settings_for(p), LockKind::bridge, profile);
  }

  // B0: does the booking mean the same instants in `next` as in `previous`,
  // read with the settings its plan was made with? Offsets count too: a bridge
  // job and an algoPIN request write their dates in the zone's offset.
  bool same_instants(const Booking& bk, const Zone& previous, const Zone& next) const {
    const LockSettings settings = plan_settings_of(bk);
    auto a = plan_booking(previous, bk.checkin, bk.checkout, settings, LockKind::bridge, profile);
    auto c = plan_booking(next, bk.checkin, bk.checkout, settings, LockKind::bridge, profile);
    if (!a || !c) return false;
    return a->checkin == c->checkin && a->checkout == c->checkout && a->valid_from == c->valid_from &&
           a->valid_until == c->valid_until && a->checkin_day == c->checkin_day &&
           a->generate_at == c->generate_at && a->retry_deadline == c->retry_deadline &&
           previous.offset_at(a->valid_from) == next.offset_at(a->valid_from) &&
           previous.offset_at(a->valid_until) == next.offset_at(a->valid_until) &&
           algopin_window(previous, a->valid_from, a->valid_until).value_or(AlgoPinWindow{}) ==
               algopin_window(next, a->valid_from, a->valid_until).value_or(AlgoPinWindow{});
  }

  // Recomputes the booking's plan against its property's lock now, drops any
  // queued work of the booking, and schedules its first attempt.
  // plan_is_current: bk.plan was just computed against the same lock settings.
  void replan(Index b, Timing timing, AuditKind kind, Rule rule, bool plan_is_current = false) {
    Booking& bk = bookings[b];
    const bool was_retrying = bk.status == CodeStatus::retrying;
    ++bk.gen;
    const Property& p = properties[bk.property];
    if (!plan_is_current) {
      if (auto plan = window_plan(p, bk.checkin, bk.checkout)) set_plan(bk, *plan);
    }
    set_plan_settings(bk, settings_for(p));
    bk.move_in_stay = bk.old_record != kNoIndex;  // B1: a code kept while its replacement is made
    // B1 + C4: a kept code never outlasts the booking's window as it now is (a
    // stay moved again, a margin changed): it ends at the earlier of its own
    // end and the new window's.
    if (bk.old_record != kNoIndex && !bk.cancelled) keep_until_replaced(b, bk.old_record, bk.plan.valid_until);
    if (bk.cancelled) {
      bk.status = CodeStatus::revoked;
      return;
    }
    bk.code = TextRef{};
    bk.kind.reset();
    bk.issued_at.reset();
    bk.variance.reset();
    bk.fallback.reset();
    bk.source.reset();
    if (p.lock == kNoIndex || !locks[p.lock].is_igloohome()) {
      bk.lock = p.lock;
      if (bk.status != CodeStatus::none) {
        audit(b, AuditKind::dropped, Rule::L2, "no igloohome lock on property {}: no code",
              p.id);
      }
      bk.status = CodeStatus::none;
      bk.generate_at.reset();
      return;
    }
    bk.lock = p.lock;
    const Lock& lock = locks[p.lock];
    bk.has_algopin = false;
    if (lock.kind() == LockKind::algopin) {
      auto w = algopin_window(p.zone, bk.plan.valid_from, bk.plan.valid_until);
      if (!w) {
        bk.status = CodeStatus::failed;
        bk.generate_at.reset();
        audit(b, AuditKind::alert, Rule::C5, "no algoPIN: {}", w.error().message);
        notify(b, p.lock, "stay_too_long", Rule::C5, w.error().message);
        return;
      }
      set_algopin(bk, *w);
    }
    const Instant t = now();
    if (t >= bk.plan.valid_until) {
      // The stay is over (entered late, or moved into the past): no code will
      // come, and the protocol says revoked after valid_until (M1: unavailable).
      bk.status = CodeStatus::revoked;
      bk.generate_at.reset();
      audit(b, AuditKind::dropped, Rule::T2, "no code: the window ended at {}",
            Iso{bk.plan.valid_until});
      return;
    }
    Instant at = timing == Timing::at_once ? t : std::max(bk.plan.generate_at.get(), t);
    const bool keep = timing == Timing::keep_cadence && was_retrying;
    if (keep) {
      at = std::max(at, bk.next_at.get());
    } else {
      bk.attempts_last = kNoIndex;
      bk.attempt_no = 0;
    }
    bk.status = keep ? CodeStatus::retrying : CodeStatus::scheduled;
    if (!keep) bk.generate_at = at;
    bk.next_at = at;
    push(at, WorkKind::attempt, b, bk.gen);
    // Every booking records this event when it is put, and the audit log keeps
    // each argument's bytes: "first" / "next" and days_before (1..14, S1) are
    // kept in a byte each.
    const AttemptOrdinal ordinal{keep};
    if (at == bk.plan.generate_at) {
      audit(b, kind, rule, "{} attempt at {} ({} days before check-in day {}, lock {})", ordinal, Iso{at},
            static_cast<std::uint8_t>(lock.settings.days_before), IsoDay{bk.checkin_day}, lock.id);
    } else {
      audit(b, kind, rule, "{} attempt at {} (generation time {} {}, lock {})", ordinal, Iso{at},
            Iso{bk.plan.generate_at}, at > bk.plan.generate_at ? "already passed" : "not waited for",
            lock.id);
    }
  }

  // Starts deleting a record at once; tries go on while strictly before `until`.
  void start_delete(Index r, Instant until, Rule rule) {
    PinRecord& rec = records[r];
    rec.state = RecordState::deleting;
    rec.delete_until = until;
    rec.delete_rule = rule;
    rec.pending_logged = false;
    ++rec.gen;
    push(now(), WorkKind::delete_try, r, rec.gen);
  }

  // B1/B3: when the new dates give exactly the algoPIN window already issued on
  // the same lock (a change within the hour), that code is already right: keep
  // it rather than spend a variance and leave a residual code behind.
  bool keep_same_algopin(Index b) {
    Booking& bk = bookings[b];
    const Property& p = properties[bk.property];
    if (p.lock != bk.lock || p.lock == kNoIndex || !bk.has_algopin) return false;
    auto plan = window_plan(p, bk.checkin, bk.checkout);
    if (!plan) return false;
    auto w = algopin_window(p.zone, plan->valid_from, plan->valid_until, now());
    if (!w || !(*w == *algopin_of(bk))) return false;
    set_plan(bk, *plan);
    set_algopin(bk, *w);
    ++bk.gen;
    push(std::max(bk.plan.valid_until.get(), now()), WorkKind::expire, b, bk.gen);
    audit(b, AuditKind::rescheduled, Rule::B1, "algoPIN {} already covers the new dates: kept",
          text(bk.code));
    return true;
  }

  // B1: a guest in their stay keeps their code on the lock until the new one is
  // on: the record stays where it is (out of bk.record) until then, or until its
  // own window ends.
  // The kept code goes at the end of its own window or of the new one, whichever
  // comes first: a shortened stay whose new code never came (an outage) does not
  // leave the old, longer code on the lock past the guest's right (C4).
  void keep_until_replaced(Index b, Index r, Instant new_valid_until) {
    Booking& bk = bookings[b];
    PinRecord& rec = records[r];
    bk.old_record = r;
    ++rec.gen;
    push(std::max(std::min(rec.valid_until, new_valid_until), now()), WorkKind::expire_old, r, rec.gen);
  }

  // The kept code is no longer needed (B1: the new one is on, the stay moved into
  // the past, a cancellation): deleted at once, unless the booking holds its
  // value again (the delete, by value, would take the new code too).
  void release_old_record(Index b, Rule rule, std::string_view why) {
    Booking& bk = bookings[b];
    const Index r = bk.old_record;
    if (r == kNoIndex) return;
    bk.old_record = kNoIndex;
    audit(b, AuditKind::code_moved, rule, "previous PIN {} on lock {}: {}", records[r].pin,
          locks[records[r].lock].id, why);
    start_delete(r, records[r].valid_until, rule);
  }

  // Keeps, moves or reschedules the booking after its dates, its property, its
  // property's zone or lock changed (B1, L3).
  void booking_changed(Index b, Rule rule) {
    Booking& bk = bookings[b];
    const Index target_lock = properties[bk.property].lock;
    const Instant t = now();
    const bool target_is_bridge = target_lock != kNoIndex && locks[target_lock].is_igloohome() &&
                                  locks[target_lock].kind() == LockKind::bridge;
    auto next = window_plan(properties[bk.property], bk.checkin, bk.checkout);
    const bool new_window_open = next && t < next->valid_until;
    if (bk.record != kNoIndex) {
      const Index r = bk.record;
      PinRecord& rec = records[r];
      bk.record = kNoIndex;
      if (target_is_bridge) {
        bk.preferred_pin = rec.pin;
        bk.preferred_source = bk.source;
      }
      // B1: a guest in their stay whose new window is still open keeps the code
      // they have until its replacement is on the lock.
      const bool in_stay = rec.state == RecordState::active && t >= rec.valid_from && t < rec.valid_until;
      if (in_stay && target_lock == rec.lock && target_is_bridge && new_window_open &&
          bk.old_record == kNoIndex) {
        audit(b, AuditKind::code_moved, rule,
              "guest in their stay: PIN {} stays on lock {} until the new code is on", rec.pin,
              locks[rec.lock].id);
        keep_until_replaced(b, r, next->valid_until);
        replan(b, Timing::at_once, AuditKind::rescheduled, rule);
        bk.move_in_stay = true;
        return;
      }
      audit(b, AuditKind::code_moved, rule, "deleting PIN {} from lock {} ({})", rec.pin,
            locks[rec.lock].id, target_is_bridge ? "to make it again for the new window" : "no new code there");
      start_delete(r, rec.valid_until, rule);
      replan(b, Timing::at_once, AuditKind::rescheduled, rule);
      // B1: a check-in moved earlier can put the guest inside the new window
      // before the old code's opened: in their stay, the new code is retried
      // until its window ends, not only to the T4 deadline (already past: three
      // rate-limited attempts lost a whole stay).
      if (new_window_open && t >= next->valid_from) bk.move_in_stay = true;
      if (bk.old_record != kNoIndex) {
        if (new_window_open && bk.status != CodeStatus::none) {
          bk.move_in_stay = true;
        } else {
          release_old_record(b, rule, "no new code will replace it: deleting it");
        }
      }
      return;
    }
    if (bk.old_record != kNoIndex) {  // a move in the stay still under way, moved again
      replan(b, Timing::at_once, AuditKind::rescheduled, rule);
      if (new_window_open && bk.status != CodeStatus::none) {
        // The kept code now ends with the latest window (or its own end), as
        // replan set it: a stay cut short and put back keeps it to the restored end.
        bk.move_in_stay = true;
      } else {
        release_old_record(b, rule, "no new code will replace it: deleting it");
      }
      return;
    }
    if (bk.status == CodeStatus::active && bk.kind == CodeKind::algopin && keep_same_algopin(b)) return;
    if (bk.status == CodeStatus::active && bk.kind == CodeKind::algopin) {
      const AlgoPinWindow old = algopin_of(bk).value_or(AlgoPinWindow{});
      const std::string code(text(bk.code));
      audit(b, AuditKind::warning, Rule::B3,
            "algoPIN {} cannot be changed or deleted: it keeps working until {}", code,
            Iso{old.end});
      notify(b, bk.lock, rule == Rule::L3 ? "lock_change_residual" : "date_change_residual", Rule::B3,
             fmt::format("booking {}: the earlier algoPIN {} keeps working until {}", booking_id(b), code,
                         Iso{old.end}));
      replan(b, Timing::at_once, AuditKind::rescheduled, rule);
      return;
    }
    replan(b, Timing::normal, AuditKind::rescheduled, rule);
  }

  // L2/L3: the property's lock is now `lock` (kNoIndex: removed).
  void lock_changed(Index property) {
    const Index lock = properties[property].lock;
    const Instant t = now();
    for (Index b : properties[property].bookings) {
      Booking& bk = bookings[b];
      if (bk.cancelled) continue;
      if (bk.status == CodeStatus::active && bk.lock == lock) continue;
      if (bk.status == CodeStatus::active && t >= bk.plan.valid_from) {
        audit(b, AuditKind::rescheduled, Rule::L3,
              "guest already in their stay: code kept on lock {} until it expires",
              locks[bk.lock].id);
        continue;
      }
      if (bk.status == CodeStatus::revoked && t >= bk.plan.valid_until) continue;
      booking_changed(b, Rule::L3);
    }
  }

  // ---- work ----------------------------------------------------------------

  void run(const Work& w) {
    switch (w.kind()) {
      case WorkKind::attempt: return attempt(w.target());
      case WorkKind::poll_create: return check_create_job(w.target());
      case WorkKind::expire: return expire(w.target());
      case WorkKind::delete_try: return delete_try(w.target());
      case WorkKind::poll_delete: return check_delete_job(w.target());
      case WorkKind::expire_old: return expire_old(w.target());
    }
  }

  void attempt(Index b) {
    Booking& bk = bookings[b];
    if (!connected || bk.lock == kNoIndex) return;
    const Instant t = now();
    ++bk.attempt_no;
    bk.attempt_start = t;
    bk.values_tried = 0;
    attempts.add(bk.attempts_last, t);
    const Lock& lock = locks[bk.lock];
    audit(b, AuditKind::attempt, bk.attempt_no == 1 ? Rule::T3 : Rule::T4, "attempt {} on lock {}",
          bk.attempt_no, lock.id);
    if (lock.kind() == LockKind::algopin) return algopin_attempt(b);

    std::string pin;
    PinSource source = PinSource::random;
    if (!bk.preferred_pin.empty() && own_entry_outlives(bk.lock, bk.preferred_pin, b, bk.plan)) {
      // B1 + C4: igloohome deletes by value, so an earlier entry of this PIN that
      // ends after the new window could only go with the new code: kept, it would
      // open past the new window. The value is not free: the guest gets a new one.
      audit(b, AuditKind::code_moved, Rule::B1,
            "PIN {} stays on lock {} past the new window until its delete is done: a new random PIN instead",
            bk.preferred_pin, lock.id);
      bk.preferred_pin = PinText{};
    }
    if (!bk.preferred_pin.empty()) {
      if (!pin_in_use(bk.lock, bk.preferred_pin, b, bk.plan)) {
        pin = std::string(bk.preferred_pin.view());
        source = bk.preferred_source.value_or(PinSource::random);
      } else {
        audit(b, AuditKind::code_moved, Rule::B1,
              "PIN {} is in use on lock {} for the new window: a new random PIN instead",
              bk.preferred_pin, lock.id);
      }
    }
    if (pin.empty() && lock.settings.code_source == CodeSource::guest_phone) {
      auto phone = phone_pin(text(bk.guest_phone));
      if (phone && pin_in_use(bk.lock, *phone, b, bk.plan)) {
        phone = std::unexpected(PhoneFallback::in_use);
      }
      if (phone) {
        pin = *phone;
        source = PinSource::guest_phone;
        bk.fallback.reset();
      } else {
        bk.fallback = phone.error();
        audit(b, AuditKind::phone_fallback, Rule::C2, "guest phone not used ({}): random PIN",
              to_string(phone.error()));
      }
    }
    if (pin.empty()) pin = draw_pin(b, bk.lock);
    send_create(b, std::move(pin), source);
  }

  void send_create(Index b, std::string pin, PinSource source) {
    for (;;) {
      Booking& bk = bookings[b];
      const Lock& lock = locks[bk.lock];
      const Zone& zone = properties[bk.property].zone;
      PinJob job;
      job.lock_id = lock.id;
      job.bridge_id = lock.bridge_id.value_or("");
      job.pin = pin;
      job.access_name = std::string(booking_id(b));
      job.start = bk.plan.valid_from;
      job.end = bk.plan.valid_until;
      job.start_offset = zone.offset_at(job.start);
      job.end_offset = zone.offset_at(job.end);
      ++bk.values_tried;
      auto created = igloohome.create_pin(job);
      if (created) {
        const Index r = new_record();
        PinRecord& rec = records[r];
        rec.booking = b;
        rec.lock = bk.lock;
        rec.pin = PinText(pin);
        rec.valid_from = job.start;
        rec.valid_until = job.end;
        rec.job_id = std::move(*created);
        rec.try_start = now();
        rec.state = RecordState::creating;
        rec.pending_logged = false;
        ++rec.gen;
        locks[bk.lock].pins.add(rec.pin, r);
        bk.record = r;
        bk.source = source;
        return check_create_job(b);
      }
      const ProviderFailure& failure = created.error();
      if (failure.kind != FailureKind::rejected_value) return attempt_failed(b, failure);
      audit(b, AuditKind::value_rejected, Rule::C3, "PIN {} refused by igloohome: {} (value {} of {})",
            pin, describe(failure), bk.values_tried, profile.max_values_per_attempt);
      if (source == PinSource::guest_phone) {
        bk.fallback = PhoneFallback::rejected;
        audit(b, AuditKind::phone_fallback, Rule::C2, "guest phone PIN rejected: random PIN");
      }
      if (bk.values_tried >= profile.max_values_per_attempt) {
        return attempt_failed(b, ProviderFailure{FailureKind::retryable, failure.http_status,
                                                 fmt::format("{} PIN values refused in one attempt",
                                                             bk.values_tried)});
      }
      pin = draw_pin(b, bk.lock);
      source = PinSource::random;
    }
  }

  void check_create_job(Index b) {
    Booking& bk = bookings[b];
    if (bk.record == kNoIndex) return;
    const Index r = bk.record;
    auto status = igloohome.job_status(records[r].job_id);
    PinRecord& rec = records[r];
    // Abandoning a job whose poll failed left an entry the engine no longer
    // knew, and its value was then given to an overlapping booking (C1).
    if (poll_again(status, rec.try_start)) {
      push(now() + profile.job_poll_interval, WorkKind::poll_create, b, bk.gen);
      return;
    }
    if (!status) {
      bk.record = kNoIndex;
      retire_record(r);
      return attempt_failed(b, status.error());
    }
    switch (status->state) {
      case JobState::completed: {
        rec.state = RecordState::active;
        bk.status = CodeStatus::active;
        bk.code = texts.add(rec.pin.view());
        bk.kind = CodeKind::pin;
        bk.issued_at = now();
        bk.preferred_pin = PinText{};
        stop_remaking(rec.booking);
        bk.preferred_source.reset();
        audit(b, AuditKind::code_created, Rule::C4, "PIN {} ({}) created on lock {}, valid {} to {}",
              rec.pin, to_string(bk.source.value_or(PinSource::random)), locks[rec.lock].id,
              Iso{rec.valid_from}, Iso{rec.valid_until});
        push(std::max(bk.plan.valid_until.get(), now()), WorkKind::expire, b, bk.gen);
        release_old_record(b, Rule::B1, "the new code is on: deleting the previous one");
        return;
      }
      case JobState::pending: {
        if (now() - rec.try_start >= profile.retry_interval) {
          bk.record = kNoIndex;
          retire_record(r);
          return attempt_failed(
              b, ProviderFailure{FailureKind::retryable, 0,
                                 fmt::format("bridge job still pending after {} min",
                                             profile.retry_interval.count())});
        }
        if (!rec.pending_logged) {
          rec.pending_logged = true;
          audit(b, AuditKind::job_pending, Rule::C4, "bridge job {} pending; polling every {} min",
                rec.job_id, profile.job_poll_interval.count());
        }
        push(now() + profile.job_poll_interval, WorkKind::poll_create, b, bk.gen);
        return;
      }
      case JobState::failed:
      case JobState::expired: {
        const std::string detail = fmt::format("bridge job {}{}{}", to_string(status->state),
                                               status->detail.empty() ? "" : ": ", status->detail);
        bk.record = kNoIndex;
        retire_record(r);
        return attempt_failed(b, ProviderFailure{FailureKind::retryable, 0, detail});
      }
    }
  }

  void algopin_attempt(Index b) {
    Booking& bk = bookings[b];
    Lock& lock = locks[bk.lock];
    // C5: asked for after its start (a booking made inside its margin, a retry),
    // the code starts at the current hour: igloohome refuses an earlier start.
    if (auto late = algopin_window(properties[bk.property].zone, bk.plan.valid_from, bk.plan.valid_until,
                                   now())) {
      set_algopin(bk, *late);
    }
    const AlgoPinWindow w = algopin_of(bk).value_or(AlgoPinWindow{});
    const WindowKey key{ticks(w.start), ticks(w.end), static_cast<int>(w.type)};
    const std::uint8_t used = lock.variances.contains(key) ? lock.variances[key] : 0;
    int variance = 0;
    for (int v = 1; v <= 3; ++v) {
      if ((used & (1u << v)) == 0) {
        variance = v;
        break;
      }
    }
    if (variance == 0) {
      bk.status = CodeStatus::failed;
      const std::string message =
          fmt::format("booking {}: lock {} already has 3 algoPINs for {} to {}", booking_id(b), lock.id,
                      Iso{w.start}, Iso{w.end});
      audit(b, AuditKind::generation_failed, Rule::C5, "no variance available: {}", message);
      notify(b, bk.lock, "no_variance", Rule::C5, message);
      return;
    }
    AlgoPinRequest request;
    request.lock_id = lock.id;
    request.window = w;
    request.variance = variance;
    request.access_name = std::string(booking_id(b));
    auto pin = igloohome.create_algopin(request);
    if (!pin) {
      ProviderFailure failure = pin.error();
      // An algoPIN has no value to choose: a refusal is an ordinary failure.
      if (failure.kind == FailureKind::rejected_value) failure.kind = FailureKind::retryable;
      return attempt_failed(b, failure);
    }
    locks[bk.lock].variances[key] = static_cast<std::uint8_t>(used | (1u << variance));
    bk.status = CodeStatus::active;
    bk.code = texts.add(pin->pin);
    bk.kind = CodeKind::algopin;
    bk.source = PinSource::algopin;
    bk.variance = variance;
    bk.issued_at = now();
    audit(b, AuditKind::code_created, Rule::C5, "algoPIN {} ({} variance {}) on lock {}, {} to {}",
          pin->pin, to_string(w.type), variance, lock.id, Iso{w.start},
          Iso{w.end});
    if (w.end - w.start > std::chrono::hours{24}) {
      audit(b, AuditKind::warning, Rule::B3, "code longer than 24 h: must be first used before {}",
            Iso{w.start + std::chrono::hours{24}});
      notify(b, bk.lock, "first_use_24h", Rule::B3,
             fmt::format("booking {}: algoPIN {} must be used for the first time before {} or it "
                         "never opens",
                         booking_id(b), pin->pin, Iso{w.start + std::chrono::hours{24}}));
    }
    push(std::max(bk.plan.valid_until.get(), now()), WorkKind::expire, b, bk.gen);
  }

  void attempt_failed(Index b, const ProviderFailure& failure) {
    Booking& bk = bookings[b];
    if (is_terminal(failure.kind)) {
      bk.status = CodeStatus::failed;
      const std::string code = failure.kind == FailureKind::needs_reconnect ? "needs_reconnect"
                               : failure.kind == FailureKind::lock_missing  ? "lock_missing"
                                                                            : "generation_failed";
      audit(b, AuditKind::generation_failed, Rule::C6, "attempt {} failed: {}; {} is not retried",
            bk.attempt_no, describe(failure), to_string(failure.kind));
      notify(b, bk.lock, code, Rule::C6,
             fmt::format("booking {}: no code on lock {}: {}", booking_id(b), locks[bk.lock].id,
                         describe(failure)));
      return;
    }
    const Instant next = std::max(bk.attempt_start.get() + profile.retry_interval, now());
    // B1: the new code of a guest moved during their stay is retried while its
    // window lasts; the T4 deadline (the check-in day) is behind them.
    const Instant limit = bk.move_in_stay ? bk.plan.valid_until
                                          : std::min(bk.plan.retry_deadline, bk.plan.valid_until);
    if (next < limit) {
      bk.status = CodeStatus::retrying;
      bk.next_at = next;
      push(next, WorkKind::attempt, b, bk.gen);
      audit(b, AuditKind::attempt_failed, Rule::T4, "attempt {} failed: {}; next at {}", bk.attempt_no,
            describe(failure), Iso{next});
      return;
    }
    bk.status = CodeStatus::failed;
    audit(b, AuditKind::attempt_failed, Rule::T4,
          "attempt {} failed: {}; no attempt left before the deadline {}", bk.attempt_no,
          describe(failure), Iso{limit});
    audit(b, AuditKind::generation_failed, Rule::T4, "no code after {} attempts: host alerted",
          bk.attempt_no);
    notify(b, bk.lock, "generation_failed", Rule::T4,
           fmt::format("booking {}: no code after {} attempts (last: {})", booking_id(b), bk.attempt_no,
                       describe(failure)));
  }

  void expire(Index b) {
    Booking& bk = bookings[b];
    bk.status = CodeStatus::revoked;
    ++bk.gen;
    if (bk.record == kNoIndex) {
      audit(b, AuditKind::code_deleted, Rule::C4, "window ended: {} {} no longer valid",
            bk.kind == CodeKind::algopin ? "algoPIN" : "code", text(bk.code));
      return;
    }
    const Index r = bk.record;
    bk.record = kNoIndex;
    audit(b, AuditKind::code_deleted, Rule::C4, "window ended: deleting PIN {}", records[r].pin);
    start_delete(r, records[r].valid_until + profile.delete_retry_window, Rule::C4);
  }

  // B1: the booking holds this record's value on its lock again (a move that
  // kept its PIN). igloohome deletes by value: deleting would remove the new code.
  bool value_held_again(Index r) const {
    const PinRecord& rec = records[r];
    const Booking& bk = bookings[rec.booking];
    if (bk.record == kNoIndex || bk.record == r) return false;
    const PinRecord& live = records[bk.record];
    return live.lock == rec.lock && live.pin == rec.pin && live.state != RecordState::gone;
  }

  // Two bookings of one guest: the same phone number, digits compared (a
  // returning guest). Only then may an entry of one stand for the other's.
  bool same_guest(const Booking& a, const Booking& b) const {
    if (!a.guest_phone || !b.guest_phone) return false;
    auto digits = [](std::string_view phone) {
      std::string d;
      for (char c : phone)
        if (c >= '0' && c <= '9') d += c;
      return d;
    };
    const std::string da = digits(text(a.guest_phone));
    return !da.empty() && da == digits(text(b.guest_phone));
  }

  // B1: another booking's live code on this lock has this record's value (a
  // guest-phone PIN, C2, shared by stays that do not overlap). igloohome deletes
  // by value, so deleting this entry would take that code off the lock too. The
  // entry is left when leaving it lets no one in who could not enter anyway:
  // its window has ended (the lock refuses it); or both stays are one guest's
  // and what is left of it lies inside its own booking's current window on this
  // lock (a guest in their stay whose code was replaced) or inside the other
  // entry's. Otherwise (a cancellation, a stay cut short, two guests whose
  // numbers end alike) it must go, and the other entry with it.
  const PinRecord* value_held_by_another(Index r) const {
    const PinRecord& rec = records[r];
    const Booking& own = bookings[rec.booking];
    const Instant from = std::max(now(), rec.valid_from);
    const PinRecord* holder = nullptr;
    const PinRecord* found = nullptr;
    locks[rec.lock].pins.each(rec.pin, [&](Index i) {
      const PinRecord& other = records[i];
      if (i == r || other.booking == rec.booking || other.state == RecordState::gone) return true;
      if (other.valid_until <= now()) return true;
      if (rec.valid_until <= from) {
        found = &other;
        return false;
      }
      if (!same_guest(own, bookings[other.booking])) return true;
      if (other.valid_from <= from && rec.valid_until <= other.valid_until) {
        found = &other;
        return false;
      }
      if (!holder) holder = &other;
      return true;
    });
    if (found) return found;
    if (holder && !own.cancelled && own.lock == rec.lock && own.plan.valid_from <= from &&
        rec.valid_until <= own.plan.valid_until)
      return holder;
    return nullptr;
  }

  // B1: igloohome deleted `pin` from `lock` by value, so every other booking's
  // code with that value went too (one that could not be left, see
  // value_held_by_another). Each is made again at once, with the same PIN.
  void remake_sharers(Index lock, const PinText& pin, Index deleted_for) {
    std::vector<Index> gone;
    locks[lock].pins.each(pin, [&](Index i) {
      const PinRecord& other = records[i];
      if (other.booking == deleted_for || other.state != RecordState::active || other.valid_until <= now()) return true;
      const Booking& bk = bookings[other.booking];
      if (bk.cancelled || bk.record != i) return true;
      gone.push_back(i);
      return true;
    });
    for (const Index o : gone) {
      const Index b = records[o].booking;
      Booking& bk = bookings[b];
      audit(b, AuditKind::code_moved, Rule::B1,
            "PIN {} went from lock {} with booking {}'s entry (igloohome deletes by value): making it again", pin,
            locks[lock].id, booking_id(deleted_for));
      bk.preferred_pin = pin;
      bk.preferred_source = bk.source;
      bk.record = kNoIndex;
      retire_record(o);
      replan(b, Timing::at_once, AuditKind::rescheduled, Rule::B1);
      if (bk.lock == lock && bk.remaking_on == kNoIndex) {
        bk.remaking_on = lock;
        locks[lock].remaking.push_back(b);
      }
    }
  }

  // B1: the kept code of a guest in their stay reached its own end before its
  // replacement was on: it goes like any expired code (C4).
  void expire_old(Index r) {
    const Index b = records[r].booking;
    Booking& bk = bookings[b];
    if (bk.old_record != r) return;
    bk.old_record = kNoIndex;
    audit(b, AuditKind::code_deleted, Rule::C4, "window of the previous PIN {} ended (its own or the new one): deleting it",
          records[r].pin);
    start_delete(r, records[r].valid_until + profile.delete_retry_window, Rule::C4);
  }

  void delete_try(Index r) {
    PinRecord& rec = records[r];
    if (!connected) {
      audit(rec.booking, AuditKind::dropped, Rule::L4, "PIN {} not deleted: igloohome disconnected",
            rec.pin);
      return retire_record(r);
    }
    if (value_held_again(r)) {
      audit(rec.booking, AuditKind::code_deleted, Rule::B1,
            "PIN {} not deleted from lock {}: the booking holds it again for its new window", rec.pin,
            locks[rec.lock].id);
      return retire_record(r);
    }
    if (const PinRecord* other = value_held_by_another(r)) {
      audit(rec.booking, AuditKind::code_deleted, Rule::B1,
            "PIN {} not deleted from lock {}: booking {} holds the same value until {} and igloohome deletes by "
            "value; this entry (to {}) opens nothing that is not open anyway",
            rec.pin, locks[rec.lock].id, booking_id(other->booking), format_instant(other->valid_until),
            format_instant(rec.valid_until));
      return retire_record(r);
    }
    rec.try_start = now();
    const Lock& lock = locks[rec.lock];
    auto job = igloohome.delete_pin(lock.id, lock.bridge_id.value_or(""), std::string(rec.pin.view()));
    if (!job) return delete_failed(r, job.error());
    records[r].job_id = std::move(*job);
    check_delete_job(r);
  }

  void check_delete_job(Index r) {
    auto status = igloohome.job_status(records[r].job_id);
    PinRecord& rec = records[r];
    // The job may have run, taking by value another booking's entry too, which
    // only its completion makes again.
    if (poll_again(status, rec.try_start)) {
      push(now() + profile.job_poll_interval, WorkKind::poll_delete, r, rec.gen);
      return;
    }
    if (!status) return delete_failed(r, status.error());
    switch (status->state) {
      case JobState::completed: {
        audit(rec.booking, AuditKind::code_deleted, rec.delete_rule, "PIN {} deleted from lock {}",
              rec.pin, locks[rec.lock].id);
        const Index lock = rec.lock, owner = rec.booking;
        const PinText pin = rec.pin;
        retire_record(r);
        return remake_sharers(lock, pin, owner);
      }
      case JobState::pending:
        if (now() - rec.try_start >= profile.retry_interval) {
          return delete_failed(r, ProviderFailure{FailureKind::retryable, 0, "delete job still pending"});
        }
        if (!rec.pending_logged) {
          rec.pending_logged = true;
          audit(rec.booking, AuditKind::job_pending, rec.delete_rule, "delete job {} pending",
                rec.job_id);
        }
        push(now() + profile.job_poll_interval, WorkKind::poll_delete, r, rec.gen);
        return;
      case JobState::failed:
      case JobState::expired:
        return delete_failed(r, ProviderFailure{FailureKind::retryable, 0,
                                                fmt::format("delete job {}", to_string(status->state))});
    }
  }

  void delete_failed(Index r, const ProviderFailure& failure) {
    PinRecord& rec = records[r];
    const Instant next = std::max(rec.try_start + profile.retry_interval, now());
    if (!is_terminal(failure.kind) && next < rec.delete_until) {
      rec.pending_logged = false;
      audit(rec.booking, AuditKind::delete_failed, rec.delete_rule,
            "delete of PIN {} failed: {}; next at {}", rec.pin, describe(failure), Iso{next});
      push(next, WorkKind::delete_try, r, rec.gen);
      return;
    }
    const std::string message =
        fmt::format("PIN {} could not be deleted from lock {}: {}{}", rec.pin, locks[rec.lock].id,
                    describe(failure),
                    is_terminal(failure.kind) ? "" : "; the lock refuses it after its end date anyway");
    audit(rec.booking, AuditKind::delete_failed, rec.delete_rule, "gave up: {}", message);
    notify(rec.booking, rec.lock, "delete_failed", Rule::C4,
           fmt::format("booking {}: {}", booking_id(rec.booking), message));
    retire_record(r);
  }
};

// ---- public interface --------------------------------------------------------

Engine::Engine(Clock& clock, RandomSource& rng, IgloohomeProvider& igloohome, Profile profile)
    : state_(std::make_unique<State>(clock, rng, igloohome, profile)) {}

Engine::~Engine() = default;

const Profile& Engine::profile() const noexcept { return state_->profile; }

void Engine::keep_audit_text(bool keep) noexcept { state_->keep_audit_text = keep; }
void Engine::on_audit(AuditListener listener) { state_->audit_listener = std::move(listener); }

Result<std::string> Engine::connect(const Credentials& credentials) {
  State& s = *state_;
  if (s.connected) {
    return fail(ErrorCode::already_connected,
                fmt::format("already connected to igloohome as '{}': disconnect first to switch accounts",
                            s.account_name));
  }
  if (credentials.client_id.empty()) {
    return fail(ErrorCode::invalid_credentials, "client_id is empty", "client_id");
  }
  if (credentials.client_secret.empty()) {
    return fail(ErrorCode::invalid_credentials, "client_secret is empty", "client_secret");
  }
  auto account = s.igloohome.connect(credentials);
  if (!account) {
    if (account.error().kind == FailureKind::retryable) {
      return fail(ErrorCode::provider_unavailable,
                  fmt::format("igloohome could not be reached to check the credentials: {}",
                              describe(account.error())));
    }
    return fail(ErrorCode::invalid_credentials,
                fmt::format("igloohome refused the Client ID and Secret: {}", describe(account.error())));
  }
  s.connected = true;
  s.account_name = account->name;
  return account->name;
}

Result<void> Engine::disconnect() {
  State& s = *state_;
  if (!s.connected) return {};
  const Instant t = s.now();
  if (s.profile.disconnect_deletes_future_codes) {
    for (Index b = 0; b < s.bookings.size(); ++b) {
      Booking& bk = s.bookings[b];
      if (bk.record == kNoIndex || t >= bk.plan.valid_from) continue;
      const Index r = bk.record;
      const PinRecord& rec = s.records[r];
      const Lock& lock = s.locks[rec.lock];
      auto job = s.igloohome.delete_pin(lock.id, lock.bridge_id.value_or(""), std::string(rec.pin.view()));
      // One look at the job while the credentials are still there; no polling after.
      if (job) (void)s.igloohome.job_status(*job);
      if (job) {
        s.audit(b, AuditKind::code_deleted, Rule::L4, "PIN {} deleted before disconnecting", rec.pin);
      } else {
        s.audit(b, AuditKind::delete_failed, Rule::L4, "PIN {} not deleted before disconnecting: {}",
                rec.pin, describe(job.error()));
      }
      bk.record = kNoIndex;
      bk.status = CodeStatus::none;
      bk.code = TextRef{};
      ++bk.gen;
      s.retire_record(r);
    }
  }
  for (Index b = 0; b < s.bookings.size(); ++b) {
    Booking& bk = s.bookings[b];
    if (bk.old_record != kNoIndex) {  // a kept code stays on the lock until it expires
      s.retire_record(bk.old_record);
      bk.old_record = kNoIndex;
    }
    if (bk.status == CodeStatus::scheduled || bk.status == CodeStatus::retrying) {
      ++bk.gen;
      if (bk.record != kNoIndex) {  // a create job in flight: no more polls
        s.retire_record(bk.record);
        bk.record = kNoIndex;
      }
      bk.status = CodeStatus::none;
      s.audit(b, AuditKind::dropped, Rule::L4, "igloohome disconnected: pending generation dropped");
    }
  }
  for (std::size_t r = 0; r < s.records.size(); ++r) {
    PinRecord& rec = s.records[r];
    if (rec.state != RecordState::deleting) continue;
    s.audit(rec.booking, AuditKind::dropped, Rule::L4,
            "igloohome disconnected: deletion of PIN {} dropped", rec.pin);
    s.retire_record(static_cast<Index>(r));
  }
  for (auto& p : s.properties) {
    if (p.lock != kNoIndex && s.locks[p.lock].is_igloohome()) {
      s.locks[p.lock].property = kNoIndex;
      p.lock = kNoIndex;
    }
  }
  s.igloohome.disconnect();
  s.connected = false;
  s.account_name.clear();
  return {};
}

bool Engine::connected() const noexcept { return state_->connected; }

Result<void> Engine::put_property(const std::string& property_id, std::string_view timezone) {
  State& s = *state_;
  if (property_id.empty()) {
    return fail(ErrorCode::invalid_argument, "property_id is empty", "property_id");
  }
  auto zone = Zone::locate(timezone);
  if (!zone) return std::unexpected(zone.error());
  auto it = s.property_index.find(property_id);
  if (it == s.property_index.end()) {
    s.property_index.emplace(property_id, static_cast<Index>(s.properties.size()));
    s.properties.push_back(Property{property_id, *zone, kNoIndex, {}});
    return {};
  }
  Property& p = s.properties[it->second];
  if (p.zone == *zone) return {};
  const Zone old_zone = p.zone;
  p.zone = *zone;
  for (Index b : p.bookings) {
    Booking& bk = s.bookings[b];
    if (bk.cancelled) continue;
    // B0: a zone with the same rules over this booking (Europe/Paris ->
    // Europe/Brussels) leaves every instant, and so the code, as it is.
    if (s.same_instants(bk, old_zone, *zone)) continue;
    s.audit(b, AuditKind::rescheduled, Rule::T1, "property time zone is now {}", zone->name());
    s.booking_changed(b, Rule::B1);
  }
  return {};
}

Result<void> Engine::assign_lock(const std::string& property_id, Brand brand, const std::string& lock_id) {
  State& s = *state_;
  auto pit = s.property_index.find(property_id);
  if (pit == s.property_index.end()) {
    return fail(ErrorCode::not_found, fmt::format("unknown property '{}'", property_id), "property_id");
  }
  if (lock_id.empty()) return fail(ErrorCode::unknown_lock, "lock_id is empty", "lock_id");
  const Index property = pit->second;
  const Index current = s.properties[property].lock;
  auto lit = s.lock_index.find(lock_id);
  const Index existing = lit == s.lock_index.end() ? kNoIndex : lit->second;
  if (existing != kNoIndex && existing == current && s.locks[existing].brand == brand) return {};
  if (brand == Brand::igloohome && !s.connected) {
    return fail(ErrorCode::not_connected, "igloohome is not connected: connect before assigning its locks");
  }
  if (current != kNoIndex && s.locks[current].brand != brand) {
    return fail(ErrorCode::property_has_other_lock,
                fmt::format("property '{}' has a {} lock ('{}'): remove it first", property_id,
                            to_string(s.locks[current].brand), s.locks[current].id));
  }
  if (existing != kNoIndex && s.locks[existing].property != kNoIndex &&
      s.locks[existing].property != property) {
    return fail(ErrorCode::lock_already_assigned,
                fmt::format("lock '{}' is assigned to property '{}'", lock_id,
                            s.properties[s.locks[existing].property].id),
                "lock_id");
  }
  std::optional<std::string> bridge_id;
  if (brand == Brand::igloohome) {
    auto info = s.igloohome.describe_lock(lock_id);
    if (!info) {
      const ProviderFailure& f = info.error();
      if (f.kind == FailureKind::lock_missing) {
        return fail(ErrorCode::unknown_lock, fmt::format("igloohome has no device '{}'", lock_id), "lock_id");
      }
      if (f.kind == FailureKind::needs_reconnect) {
        return fail(ErrorCode::needs_reconnect,
                    fmt::format("igloohome refused the credentials: {}", describe(f)));
      }
      return fail(ErrorCode::provider_unavailable,
                  fmt::format("igloohome could not describe lock '{}': {}", lock_id, describe(f)));
    }
    bridge_id = info->bridge_id;
  }
  // Everything checked: change.
  Index lock = existing;
  if (lock == kNoIndex) {
    lock = static_cast<Index>(s.locks.size());
    s.locks.emplace_back();
    s.locks.back().id = lock_id;
    s.lock_index.emplace(lock_id, lock);
  }
  Lock& l = s.locks[lock];
  l.brand = brand;
  l.bridge_id = bridge_id;
  if (l.kind() == LockKind::algopin && l.brand == Brand::igloohome &&
      l.settings.code_source == CodeSource::guest_phone) {
    l.settings.code_source = CodeSource::random;  // S3: not available without a bridge
  }
  if (current != kNoIndex) s.locks[current].property = kNoIndex;
  l.property = property;
  s.properties[property].lock = lock;
  s.lock_changed(property);
  return {};
}

Result<void> Engine::remove_lock(const std::string& property_id) {
  State& s = *state_;
  auto pit = s.property_index.find(property_id);
  if (pit == s.property_index.end()) {
    return fail(ErrorCode::not_found, fmt::format("unknown property '{}'", property_id), "property_id");
  }
  Property& p = s.properties[pit->second];
  if (p.lock == kNoIndex) return {};
  s.locks[p.lock].property = kNoIndex;
  p.lock = kNoIndex;
  s.lock_changed(pit->second);
  return {};
}

Result<void> Engine::configure_lock(const std::string& lock_id, const SettingsPatch& patch) {
  State& s = *state_;
  auto lit = s.lock_index.find(lock_id);
  if (lit == s.lock_index.end()) {
    // Hosts set a lock up before mapping it to a property: any lock the account
    // lists is accepted (sut-protocol.md). The patch is judged first, so a bad
    // one costs no call.
    if (auto next = apply_patch(LockSettings{}, patch); !next) return std::unexpected(next.error());
    if (lock_id.empty() || !s.connected) {
      return fail(ErrorCode::not_found,
                  fmt::format("lock '{}' was never assigned{}", lock_id,
                              s.connected ? "" : " and igloohome is not connected to list it"),
                  "lock_id");
    }
    auto info = s.igloohome.describe_lock(lock_id);
    if (!info) {
      const ProviderFailure& f = info.error();
      if (f.kind == FailureKind::lock_missing) {
        return fail(ErrorCode::not_found,
                    fmt::format("lock '{}' was never assigned and the igloohome account does not list it",
                                lock_id),
                    "lock_id");
      }
      if (f.kind == FailureKind::needs_reconnect) {
        return fail(ErrorCode::needs_reconnect,
                    fmt::format("igloohome refused the credentials: {}", describe(f)));
      }
      return fail(ErrorCode::provider_unavailable,
                  fmt::format("igloohome could not describe lock '{}': {}", lock_id, describe(f)));
    }
    if (patch.code_source == CodeSource::guest_phone && !info->bridge_id) {
      return fail(ErrorCode::code_source_unavailable,
                  fmt::format("lock '{}' has no bridge: its algoPIN codes are made by igloohome, "
                              "guest_phone is not available",
                              lock_id),
                  "code_source");
    }
    const Index index = static_cast<Index>(s.locks.size());
    s.locks.emplace_back();
    s.locks.back().id = lock_id;
    s.locks.back().bridge_id = info->bridge_id;
    s.lock_index.emplace(lock_id, index);
    lit = s.lock_index.find(lock_id);
  }
  Lock& lock = s.locks[lit->second];
  auto next = apply_patch(lock.settings, patch);
  if (!next) return std::unexpected(next.error());
  if (next->code_source == CodeSource::guest_phone && lock.is_igloohome() &&
      lock.kind() == LockKind::algopin) {
    return fail(ErrorCode::code_source_unavailable,
                fmt::format("lock '{}' has no bridge: its algoPIN codes are made by igloohome, "
                            "guest_phone is not available",
                            lock_id),
                "code_source");
  }
  const bool timing_changed = next->days_before != lock.settings.days_before ||
                              next->margin_minutes != lock.settings.margin_minutes;
  lock.settings = *next;
  if (!timing_changed || lock.property == kNoIndex) return {};
  for (Index b : s.properties[lock.property].bookings) {
    Booking& bk = s.bookings[b];
    if (bk.cancelled || bk.lock != lit->second || bk.record != kNoIndex) continue;
    if (bk.status == CodeStatus::scheduled || bk.status == CodeStatus::retrying) {
      s.replan(b, Timing::keep_cadence, AuditKind::rescheduled, Rule::S4);
    }
  }
  return {};
}

Result<LockSettings> Engine::lock_settings(const std::string& lock_id) const {
  const State& s = *state_;
  auto lit = s.lock_index.find(lock_id);
  if (lit == s.lock_index.end()) {
    return fail(ErrorCode::not_found, fmt::format("lock '{}' was never assigned", lock_id), "lock_id");
  }
  return s.locks[lit->second].settings;
}

namespace {

// The stays the engine keeps: a booking keeps its time points in 32 bits
// (compact::Seconds32, 1970 to 2106), and every time kept of a booking lies
// within days of its stay (generation at most 14 days before it, margins of
// hours, offsets of at most a day), so stays are kept from a month into 1970 to
// the end of 2105. A stay outside is refused, not wrapped.
constexpr LocalDateTime kFirstKeptStay{date::local_days{date::year{1970} / 2 / 1}};
constexpr LocalDateTime kLastKeptStay{date::local_days{date::year{2106} / 1 / 1}};

std::optional<Error> outside_kept_years(const BookingInput& input) {
  for (const auto& [t, field] : {std::pair{input.checkin, "checkin"}, std::pair{input.checkout, "checkout"}}) {
    if (t < kFirstKeptStay || t >= kLastKeptStay) {
      return Error(ErrorCode::invalid_booking,
                   fmt::format("{} {} is outside the stays the engine keeps, 1970-02-01T00:00 to "
                               "2105-12-31T23:59 (its times are 32-bit)",
                               field, format_local(t)),
                   field);
    }
  }
  return std::nullopt;
}

}  // namespace

Result<void> Engine::put_booking(const BookingInput& input) {
  State& s = *state_;
  if (input.booking_id.empty()) {
    return fail(ErrorCode::invalid_booking, "booking_id is empty", "booking_id");
  }
  auto pit = s.property_index.find(input.property_id);
  if (pit == s.property_index.end()) {
    return fail(ErrorCode::not_found, fmt::format("unknown property '{}'", input.property_id),
                "property_id");
  }
  const Index property = pit->second;
  auto plan = s.window_plan(s.properties[property], input.checkin, input.checkout);
  if (!plan) return std::unexpected(plan.error());
  if (auto outside = outside_kept_years(input)) return std::unexpected(std::move(*outside));

  const Index existing = s.find_booking(input.booking_id);
  if (existing == kNoIndex) {
    const Index b = static_cast<Index>(s.bookings.size());
    s.bookings.emplace_back();
    Booking& bk = s.bookings.back();
    bk.id = s.texts.add(input.booking_id);
    bk.property = property;
    bk.checkin = input.checkin;
    bk.checkout = input.checkout;
    bk.guest_phone = s.texts.add_optional(input.guest_phone);
    s.set_plan(bk, *plan);
    s.set_plan_settings(bk, s.settings_for(s.properties[property]));
    s.index_booking(b);
    s.properties[property].bookings.push_back(b);
    s.replan(b, Timing::normal, AuditKind::scheduled, Rule::T3, /*plan_is_current=*/true);
    return {};
  }
  const Index b = existing;
  Booking& bk = s.bookings[b];
  // B0: the platform re-sends bookings on every edit. The booking's own inputs
  // are compared, not instants recomputed with today's settings: a setting
  // changed since applies to codes not generated yet (S4), never to this one.
  const bool same_stay = bk.property == property && bk.checkin == input.checkin &&
                         bk.checkout == input.checkout;
  if (same_stay && !bk.cancelled) {
    bk.guest_phone = s.texts.replace(bk.guest_phone, input.guest_phone);  // read by an attempt still to come (C2)
    return {};
  }
  bk.guest_phone = s.texts.replace(bk.guest_phone, input.guest_phone);
  if (bk.property != property) {
    auto& old = s.properties[bk.property].bookings;
    old.erase(std::remove(old.begin(), old.end(), b), old.end());
    s.properties[property].bookings.push_back(b);
    bk.property = property;
  }
  bk.checkin = input.checkin;
  bk.checkout = input.checkout;
  if (bk.cancelled) {
    bk.cancelled = false;
    s.audit(b, AuditKind::rescheduled, Rule::B2, "booking put again after its cancellation");
    s.replan(b, Timing::normal, AuditKind::scheduled, Rule::T3);
    return {};
  }
  s.audit(b, AuditKind::rescheduled, Rule::B1, "new dates {} to {}", format_local(input.checkin),
          format_local(input.checkout));
  s.booking_changed(b, Rule::B1);
  return {};
}

Result<void> Engine::cancel_booking(const std::string& booking_id) {
  State& s = *state_;
  const Index b = s.find_booking(booking_id);
  if (b == kNoIndex) {
    return fail(ErrorCode::not_found, fmt::format("unknown booking '{}'", booking_id), "booking_id");
  }
  Booking& bk = s.bookings[b];
  if (bk.cancelled) return {};
  bk.cancelled = true;
  ++bk.gen;
  s.stop_remaking(b);
  if (bk.old_record != kNoIndex) {
    const Index r = bk.old_record;
    bk.old_record = kNoIndex;
    s.audit(b, AuditKind::cancelled, Rule::B2, "cancelled: deleting previous PIN {} at once", s.records[r].pin);
    s.start_delete(r, s.records[r].valid_until, Rule::B2);
  }
  if (bk.record != kNoIndex) {
    const Index r = bk.record;
    bk.record = kNoIndex;
    s.audit(b, AuditKind::cancelled, Rule::B2, "cancelled: deleting PIN {} at once", s.records[r].pin);
    s.start_delete(r, s.records[r].valid_until, Rule::B2);
  } else if (bk.status == CodeStatus::active && bk.kind == CodeKind::algopin) {
    const auto algopin = s.algopin_of(bk);
    const Instant end = algopin ? algopin->end : bk.plan.valid_until.get();
    s.audit(b, AuditKind::warning, Rule::B3, "cancelled: algoPIN {} keeps working until {}",
            s.text(bk.code), Iso{end});
    s.notify(b, bk.lock, "cancel_residual", Rule::B3,
             fmt::format("booking {} cancelled: its algoPIN {} cannot be deleted and opens the "
                         "lock until {}",
                         s.booking_id(b), s.text(bk.code), Iso{end}));
  } else if (bk.status == CodeStatus::scheduled || bk.status == CodeStatus::retrying) {
    s.audit(b, AuditKind::dropped, Rule::B2, "cancelled: pending generation dropped");
  } else {
    s.audit(b, AuditKind::cancelled, Rule::B2, "cancelled");
  }
  bk.status = CodeStatus::revoked;
  return {};
}

void Engine::run_until(Instant t) {
  State& s = *state_;
  for (;;) {
    s.drop_stale();
    if (s.queue.empty() || s.queue.top_at() > ticks(t)) break;
    const std::int64_t at = s.queue.top_at();
    const Work w = s.queue.top();
    s.queue.pop();
    s.clock.advance_to(from_ticks(at));
    s.run(w);
  }
  // Commands given after run_until(t) take effect at t (lockstep-sut/1: "at the
  // time of the last tick").
  s.clock.advance_to(t);
}

std::optional<Instant> Engine::next_wakeup() const {
  State& s = *state_;
  s.drop_stale();
  if (s.queue.empty()) return std::nullopt;
  return from_ticks(s.queue.top_at());
}

Result<CodeView> Engine::code(const std::string& booking_id) const {
  const State& s = *state_;
  const Index found = s.find_booking(booking_id);
  if (found == kNoIndex) {
    return fail(ErrorCode::not_found, fmt::format("unknown booking '{}'", booking_id), "booking_id");
  }
  const Booking& bk = s.bookings[found];
  CodeView v;
  v.status = bk.status;
  if (bk.status == CodeStatus::active) {
    v.code = s.texts.optional(bk.code);
    v.kind = bk.kind.as_optional();
  }
  // B1: while a guest in their stay waits for their moved code, the code they
  // have still opens: that is what they are told.
  if (bk.old_record != kNoIndex && v.status != CodeStatus::active && v.status != CodeStatus::revoked) {
    v.status = CodeStatus::active;
    v.code = std::string(s.records[bk.old_record].pin.view());
    v.kind = CodeKind::pin;
  }
  // sut-protocol.md: the T2 window whenever the property has an igloohome lock.
  const Index property_lock = s.properties[bk.property].lock;
  if (property_lock != kNoIndex && s.locks[property_lock].is_igloohome()) {
    v.valid_from = bk.plan.valid_from;
    v.valid_until = bk.plan.valid_until;
  }
  v.algopin = s.algopin_of(bk);
  v.variance = bk.variance.as_optional();
  v.source = bk.source.as_optional();
  v.fallback = bk.fallback.as_optional();
  v.generate_at = bk.generate_at.as_optional();
  if (bk.generate_at) v.retry_deadline = bk.plan.retry_deadline;
  v.issued_at = bk.issued_at.as_optional();
  v.attempts = s.attempts.list(bk.attempts_last);
  if (bk.lock != kNoIndex) v.lock_id = s.locks[bk.lock].id;
  return v;
}

Result<std::string> Engine::render(const std::string& booking_id, std::string_view tmpl) const {
  auto view = code(booking_id);
  if (!view) return std::unexpected(view.error());
  CodeForMessage c;
  switch (view->status) {
    case CodeStatus::active:
      c.state = CodeForMessage::State::available;
      c.code = view->code.value_or("");
      break;
    case CodeStatus::failed:
    case CodeStatus::revoked:
      c.state = CodeForMessage::State::failed;
      break;
    case CodeStatus::none:
    case CodeStatus::scheduled:
    case CodeStatus::retrying:
      c.state = CodeForMessage::State::pending;
      break;
  }
  return render_message(tmpl, c);
}

const std::vector<AuditEvent>& Engine::audit(const std::string& booking_id) const {
  static const std::vector<AuditEvent> empty;
  const State& s = *state_;
  const Index found = s.find_booking(booking_id);
  if (found == kNoIndex) return empty;
  const Booking& bk = s.bookings[found];
  // Materialised on demand into a per-booking vector that stays put, so that a
  // reference taken earlier stays valid (and up to date after the next call).
  std::vector<AuditEvent>& view = s.audit_views[found];
  view.clear();
  std::vector<Index> order;  // the trail is chained last to first
  for (Index i = bk.audit_last; i != kNoIndex; i = s.audit_log.at(i).prev) order.push_back(i);
  view.reserve(order.size());
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const audit_log::Event& e = s.audit_log.at(*it);
    AuditEvent a;
    a.at = from_ticks(e.at);
    a.kind = static_cast<AuditKind>(e.kind);
    a.rule = std::string(name_of(e.rule));
    a.message = s.audit_log.text(e);
    a.attempt = e.attempt;
    view.push_back(std::move(a));
  }
  return view;
}

const std::vector<Notice>& Engine::notices() const noexcept { return state_->notices; }

std::vector<std::string> Engine::booking_ids() const {
  std::vector<std::string> ids;
  ids.reserve(state_->bookings.size());
  for (std::size_t b = 0; b < state_->bookings.size(); ++b)
    ids.push_back(std::string(state_->texts.view(state_->bookings[b].id)));
  return ids;
}

}  // namespace lockstep
