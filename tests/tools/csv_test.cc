// CSV fields as RFC 4180 writes them (adapters/tools/csv.h).
#include "adapters/tools/csv.h"

#include <catch2/catch.hpp>

namespace stockroom::tools {

TEST_CASE("CSV quotes a field only when it must, and doubles its quotes", "[tools]") {
  auto field = [](std::string_view text) {
    std::string out;
    append_csv_field(out, text);
    return out;
  };
  CHECK(field("plain") == "plain");
  CHECK(field("") == "");
  CHECK(field("Tasse, blau") == "\"Tasse, blau\"");
  CHECK(field("a \"big\" mug") == "\"a \"\"big\"\" mug\"");
  CHECK(field("two\nlines") == "\"two\nlines\"");
  CHECK(field("cr\rhere") == "\"cr\rhere\"");
  CHECK(field("Kaffeebecher \xc3\xa4\xe2\x82\xac") == "Kaffeebecher \xc3\xa4\xe2\x82\xac");
}

}  // namespace stockroom::tools
