// RFC 3339 text of the views' timestamps: fixed width, UTC, exact round trip.
#include "projections/internal/time_format.h"

#include <catch2/catch.hpp>
#include <limits>

#include "tests/projections/recorder.h"

using namespace stockroom;
using namespace stockroom::projections::internal;

TEST_CASE("time is shown as RFC 3339 UTC with six fractional digits", "[views]") {
  CHECK(format_time(stockroom::testing::kBaseTime) == "2026-11-24T16:18:00.123456Z");
  CHECK(format_time(Timestamp{0}) == "1970-01-01T00:00:00.000000Z");
  CHECK(format_time(Timestamp{-1}) == "1969-12-31T23:59:59.999999Z");
  CHECK(format_time(Timestamp{951'782'400'000'000}) == "2000-02-29T00:00:00.000000Z");
}

TEST_CASE("time text parses back to the same microsecond, every int64 included", "[views]") {
  for (const int64_t micros :
       {int64_t{0}, int64_t{-1}, int64_t{1}, int64_t{951'782'400'000'000},
        stockroom::testing::kBaseTime.micros, int64_t{-62'135'596'800'000'000},
        std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()}) {
    INFO(micros);
    const std::string text = format_time(Timestamp{micros});
    const std::optional<Timestamp> back = parse_time(text);
    REQUIRE(back);
    CHECK(back->micros == micros);
  }
}

TEST_CASE("time text other than what format_time writes is refused", "[views]") {
  for (const char* text : {
           "",
           "2026-11-24",
           "2026-11-24T16:18:00Z",
           "2026-11-24T16:18:00.123Z",
           "2026-11-24T16:18:00.123456+00:00",
           "2026-11-24 16:18:00.123456Z",
           "2026-13-01T00:00:00.000000Z",
           "2025-02-29T00:00:00.000000Z",
           "2026-11-24T24:00:00.000000Z",
           "2026-11-24T16:60:00.000000Z",
           "2026-11-24T16:18:60.000000Z",
           "02026-11-24T16:18:00.123456Z",
           "-0000-01-01T00:00:00.000000Z",
           "+2026-11-24T16:18:00.123456Z",
           "2026-1a-24T16:18:00.123456Z",
           "999999999-01-01T00:00:00.000000Z",
       }) {
    INFO(text);
    CHECK_FALSE(parse_time(text));
  }
}
