// Times and positions as typed on the command line (adapters/tools/time_arg.h).
#include "adapters/tools/time_arg.h"

#include <catch2/catch.hpp>

namespace stockroom::tools {

TEST_CASE("command-line times take RFC 3339 with any offset, or a date", "[tools]") {
  const int64_t base = 1'764'583'200'000'000;  // 2025-12-01T10:00:00Z
  CHECK(parse_time_arg("2025-12-01T10:00:00Z").value().micros == base);
  CHECK(parse_time_arg("2025-12-01t10:00:00z").value().micros == base);
  CHECK(parse_time_arg("2025-12-01 10:00:00Z").value().micros == base);
  CHECK(parse_time_arg("2025-12-01T11:30:00+01:30").value().micros == base);
  CHECK(parse_time_arg("2025-12-01T05:00:00-05:00").value().micros == base);
  CHECK(parse_time_arg("2025-12-01T10:00:00.5Z").value().micros == base + 500'000);
  CHECK(parse_time_arg("2025-12-01T10:00:00.123456789Z").value().micros == base + 123'456);
  CHECK(parse_time_arg("2025-12-01").value().micros == base - 10LL * 3600 * 1'000'000);
  CHECK(parse_time_arg("1969-12-31T23:59:59Z").value().micros == -1'000'000);
}

TEST_CASE("anything else is refused with what was expected", "[tools]") {
  for (const char* bad :
       {"", "yesterday", "2025-12-01T10:00:00", "2025-13-01T10:00:00Z", "2025-02-30",
        "2025-12-01T24:00:00Z", "2025-12-01T10:00:00.Z", "2025-12-01T10:00:00.1234567890Z",
        "2025-12-01T10:00:00+1:00", "2025-12-01T10:00:00Zjunk", "12345678901"}) {
    INFO(bad);
    auto parsed = parse_time_arg(bad);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().code == ErrorCode::kInvalidArgument);
    CHECK_THAT(parsed.error().message, Catch::Contains("RFC 3339"));
  }
}

TEST_CASE("an as-of point is a position or a time", "[tools]") {
  CHECK(std::get<Position>(parse_point_arg("42").value()) == Position{42});
  CHECK(std::get<Timestamp>(parse_point_arg("1970-01-01T00:00:01Z").value()).micros == 1'000'000);
  CHECK_FALSE(parse_point_arg("-3").has_value());
  CHECK_FALSE(parse_point_arg("4x").has_value());
}

}  // namespace stockroom::tools
