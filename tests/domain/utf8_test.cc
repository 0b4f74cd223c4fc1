// UTF-8 as RFC 3629 defines it (engine/model/utf8.h): what text fields must be, and how
// text from outside is made safe to echo in a reply.
#include "engine/model/utf8.h"

#include <catch2/catch.hpp>
#include <string>

using stockroom::utf8_length;
using stockroom::valid_utf8;

TEST_CASE("utf8_length counts code points of well-formed UTF-8", "[utf8]") {
  CHECK(utf8_length("") == 0u);
  CHECK(utf8_length("mug") == 3u);
  CHECK(utf8_length("caf\xC3\xA9") == 4u);           // é
  CHECK(utf8_length("\xE2\x82\xAC") == 1u);          // €
  CHECK(utf8_length("\xF0\x9F\x98\x80") == 1u);      // U+1F600
  CHECK(utf8_length("\xF4\x8F\xBF\xBF") == 1u);      // U+10FFFF, the last
  CHECK(utf8_length(std::string("a\0b", 3)) == 3u);  // NUL is a code point
}

TEST_CASE("utf8_length refuses overlongs surrogates and code points past U+10FFFF", "[utf8]") {
  for (const char* bad : {"\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF", "\xF0\x80\x80\xAF",  // overlong
                          "\xED\xA0\x80", "\xED\xBF\xBF",                              // surrogates
                          "\xF4\x90\x80\x80", "\xF5\x80\x80\x80",                      // > U+10FFFF
                          "\x80", "\xBF", "\xFF", "\xFE",                              // no lead
                          "\xC3", "\xE2\x82", "\xF0\x9F\x98",                          // cut short
                          "\xC3\x28", "\xE2\x28\xA1"}) {                               // bad second
    INFO(bad);
    CHECK_FALSE(utf8_length(bad).has_value());
  }
}

TEST_CASE("valid_utf8 keeps valid text and replaces each stray byte with U+FFFD", "[utf8]") {
  CHECK(valid_utf8("caf\xC3\xA9 \xE2\x82\xAC") == "caf\xC3\xA9 \xE2\x82\xAC");
  CHECK(valid_utf8("a\xFF"
                   "b") ==
        "a\xEF\xBF\xBD"
        "b");
  CHECK(valid_utf8("\xE2\x82") == "\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(valid_utf8("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(utf8_length(valid_utf8("\xC0\xAF\xF5 x \xF0\x9F")).has_value());
}
