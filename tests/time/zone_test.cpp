// Rule T1 zone by zone, in the manner of cctz's time_zone_lookup_test: each
// expected instant below was worked out by hand from the zone's published rules,
// not computed by the code under test.
#include <cctype>

#include <gtest/gtest.h>

#include "lockstep/time.hpp"

namespace lockstep {
namespace {

Instant at(const char* text) { return parse_instant(text).value(); }
LocalDateTime local(const char* text) { return parse_local(text).value(); }
Zone zone(const char* name) { return Zone::locate(name).value(); }

void expect_unique(const char* tz, const char* civil, const char* instant) {
  const LocalInfo info = zone(tz).lookup(local(civil));
  EXPECT_EQ(info.kind, LocalInfo::Kind::unique) << tz << " " << civil;
  EXPECT_EQ(format_instant(zone(tz).resolve(local(civil))), instant) << tz << " " << civil;
}

// A gap: T1 reads the civil time with the offset before the jump, i.e. moves it
// forward by the gap's length.
void expect_gap(const char* tz, const char* civil, const char* t1, const char* transition) {
  const Zone z = zone(tz);
  const LocalInfo info = z.lookup(local(civil));
  ASSERT_EQ(info.kind, LocalInfo::Kind::skipped) << tz << " " << civil;
  EXPECT_EQ(format_instant(info.transition), transition) << tz;
  EXPECT_EQ(format_instant(z.resolve(local(civil))), t1) << tz << " " << civil;
  // Moved forward by exactly the gap: the local reading of the answer is civil + gap.
  EXPECT_EQ(z.to_local(z.resolve(local(civil))), local(civil) + (info.offset_after - info.offset_before));
}

void expect_overlap(const char* tz, const char* civil, const char* earlier, const char* later) {
  const Zone z = zone(tz);
  const LocalInfo info = z.lookup(local(civil));
  ASSERT_EQ(info.kind, LocalInfo::Kind::repeated) << tz << " " << civil;
  EXPECT_EQ(format_instant(info.first), earlier);
  EXPECT_EQ(format_instant(info.second), later);
  EXPECT_EQ(format_instant(z.resolve(local(civil))), earlier) << "T1 takes the earlier instant";
}

TEST(T1_Zone, EuropeParis) {
  expect_unique("Europe/Paris", "2026-07-01T12:00", "2026-07-01T10:00:00Z");
  expect_unique("Europe/Paris", "2026-01-15T12:00", "2026-01-15T11:00:00Z");
  expect_gap("Europe/Paris", "2026-03-29T02:30", "2026-03-29T01:30:00Z", "2026-03-29T01:00:00Z");
  expect_gap("Europe/Paris", "2026-03-29T02:00", "2026-03-29T01:00:00Z", "2026-03-29T01:00:00Z");
  expect_unique("Europe/Paris", "2026-03-29T03:00", "2026-03-29T01:00:00Z");
  expect_overlap("Europe/Paris", "2026-10-25T02:30", "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z");
}

TEST(T1_Zone, AmericaNewYork) {
  expect_gap("America/New_York", "2026-03-08T02:15", "2026-03-08T07:15:00Z", "2026-03-08T07:00:00Z");
  expect_overlap("America/New_York", "2026-11-01T01:30", "2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z");
}

TEST(T1_Zone, AmericaLosAngeles) {
  expect_overlap("America/Los_Angeles", "2026-11-01T01:30", "2026-11-01T08:30:00Z",
                 "2026-11-01T09:30:00Z");
  expect_gap("America/Los_Angeles", "2026-03-08T02:59", "2026-03-08T10:59:00Z", "2026-03-08T10:00:00Z");
}

// Chile changes its clocks at local midnight: the whole first hour of the day is
// skipped in September and 23:00-24:00 is repeated in April.
TEST(T1_Zone, AmericaSantiagoMidnightTransitions) {
  expect_gap("America/Santiago", "2026-09-06T00:00", "2026-09-06T04:00:00Z", "2026-09-06T04:00:00Z");
  expect_gap("America/Santiago", "2026-09-06T00:30", "2026-09-06T04:30:00Z", "2026-09-06T04:00:00Z");
  expect_overlap("America/Santiago", "2026-04-04T23:30", "2026-04-05T02:30:00Z", "2026-04-05T03:30:00Z");
}

TEST(T1_Zone, AmericaHavanaMidnightGap) {
  expect_gap("America/Havana", "2026-03-08T00:30", "2026-03-08T05:30:00Z", "2026-03-08T05:00:00Z");
}

TEST(T1_Zone, AustraliaSydneySouthernHemisphere) {
  expect_overlap("Australia/Sydney", "2026-04-05T02:30", "2026-04-04T15:30:00Z", "2026-04-04T16:30:00Z");
  expect_gap("Australia/Sydney", "2026-10-04T02:30", "2026-10-03T16:30:00Z", "2026-10-03T16:00:00Z");
  expect_unique("Australia/Sydney", "2026-01-10T15:00", "2026-01-10T04:00:00Z");
}

// Lord Howe moves its clocks by 30 minutes.
TEST(T1_Zone, AustraliaLordHoweHalfHourDst) {
  expect_gap("Australia/Lord_Howe", "2026-10-04T02:15", "2026-10-03T15:45:00Z", "2026-10-03T15:30:00Z");
  expect_overlap("Australia/Lord_Howe", "2026-04-05T01:45", "2026-04-04T14:45:00Z",
                 "2026-04-04T15:15:00Z");
}

TEST(T1_Zone, AsiaKathmanduQuarterHourOffset) {
  expect_unique("Asia/Kathmandu", "2026-06-10T14:00", "2026-06-10T08:15:00Z");
  EXPECT_EQ(zone("Asia/Kathmandu").offset_at(at("2026-06-10T00:00:00Z")), Minutes{5 * 60 + 45});
}

TEST(T1_Zone, AsiaKolkataHalfHourNoDst) {
  expect_unique("Asia/Kolkata", "2026-03-29T02:30", "2026-03-28T21:00:00Z");
}

TEST(T1_Zone, PacificChathamQuarterHourDst) {
  expect_gap("Pacific/Chatham", "2026-09-27T03:00", "2026-09-26T14:15:00Z", "2026-09-26T14:00:00Z");
}

TEST(T1_Zone, AmericaStJohnsHalfHourOffset) {
  expect_gap("America/St_Johns", "2026-03-08T02:30", "2026-03-08T06:00:00Z", "2026-03-08T05:30:00Z");
}

// Samoa skipped 30 December 2011 entirely, jumping from -10 to +14.
TEST(T1_Zone, PacificApiaSkippedDay) {
  expect_gap("Pacific/Apia", "2011-12-30T12:00", "2011-12-30T22:00:00Z", "2011-12-30T10:00:00Z");
  expect_gap("Pacific/Apia", "2011-12-30T00:00", "2011-12-30T10:00:00Z", "2011-12-30T10:00:00Z");
  expect_unique("Pacific/Apia", "2011-12-31T00:00", "2011-12-30T10:00:00Z");
}

// Troll station jumps two hours at once.
TEST(T1_Zone, AntarcticaTrollTwoHourGap) {
  expect_gap("Antarctica/Troll", "2026-03-29T02:00", "2026-03-29T02:00:00Z", "2026-03-29T01:00:00Z");
}

// tzdb gives Ireland negative DST (standard time in summer); T1 only cares about offsets.
TEST(T1_Zone, EuropeDublinNegativeDst) {
  expect_gap("Europe/Dublin", "2026-03-29T01:30", "2026-03-29T01:30:00Z", "2026-03-29T01:00:00Z");
  EXPECT_EQ(zone("Europe/Dublin").offset_at(at("2026-07-01T00:00:00Z")), std::chrono::hours{1});
}

TEST(T1_Zone, Utc) {
  expect_unique("UTC", "2026-03-29T02:30", "2026-03-29T02:30:00Z");
}

TEST(T1_Zone, UnknownZoneIsInvalidTimezone) {
  for (const char* name : {"Mars/Olympus", "", "Europe/paris", "Europe/Paris ", "../etc/passwd"}) {
    auto z = Zone::locate(name);
    ASSERT_FALSE(z.has_value()) << name;
    EXPECT_EQ(z.error().code, ErrorCode::invalid_timezone);
    EXPECT_EQ(z.error().field, "timezone");
  }
}

TEST(TimeFormat, InstantsRoundTripAndOffsetsParse) {
  EXPECT_EQ(format_instant(at("2026-03-29T03:30:00+02:00")), "2026-03-29T01:30:00Z");
  EXPECT_EQ(format_instant(at("2026-03-29T01:30:00.250Z")), "2026-03-29T01:30:00Z");
  EXPECT_EQ(format_instant(at("2026-06-10T14:00:00+05:45")), "2026-06-10T08:15:00Z");
  EXPECT_EQ(format_instant(at("2011-12-30T00:00:00-10:00")), "2011-12-30T10:00:00Z");
  EXPECT_EQ(format_with_offset(at("2026-06-10T08:15:00Z"), Minutes{345}), "2026-06-10T14:00:00+05:45");
  EXPECT_EQ(format_with_offset(at("2026-03-08T07:00:00Z"), -std::chrono::hours{5}),
            "2026-03-08T02:00:00-05:00");
  EXPECT_EQ(format_local(local("2026-03-29T02:30")), "2026-03-29T02:30");
  EXPECT_EQ(format_local(local("2026-03-29T02:30:15")), "2026-03-29T02:30:15");
}

TEST(TimeFormat, MalformedTextIsRefused) {
  for (const char* bad : {"2026-03-29T01:30:00", "2026-03-29 01:30:00Z", "2026-02-30T00:00:00Z",
                          "2026-03-29T24:00:00Z", "2026-03-29T01:30:00+2:00", "2026-03-29T01:30:00Zjunk",
                          "", "yesterday", "2026-13-01T00:00:00Z",
                          "0000-01-01T00:00:00+02:00", "9999-12-31T23:00:00-02:00"}) {
    EXPECT_FALSE(parse_instant(bad).has_value()) << bad;
  }
  for (const char* bad : {"2026-03-29", "2026-03-29T02:30Z", "2026-03-29T02:30+01:00", "2026-02-29T10:00",
                          "2026-03-29T2:30", "2026-03-29T02:60"}) {
    EXPECT_FALSE(parse_local(bad).has_value()) << bad;
  }
  EXPECT_TRUE(parse_local("2028-02-29T10:00").has_value());
  EXPECT_EQ(format_instant(parse_instant("0000-01-01T02:00:00+02:00").value()), "0000-01-01T00:00:00Z");
}

TEST(TimeDatabase, VersionIsReported) {
  const std::string version = tz_database_version();
  ASSERT_FALSE(version.empty());
  EXPECT_NE(version, "unknown");
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(version[0]))) << version;
}

}  // namespace
}  // namespace lockstep
