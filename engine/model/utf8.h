// UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates (U+D800-U+DFFF), no
// code point above U+10FFFF. Text fields are checked with utf8_length at the edge
// (validate.h); valid_utf8 makes text that came from outside safe to echo in a reply
// (an unknown subject name, the command_id of a body that did not decode). Pure.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace stockroom {

// The number of code points of `text`; nullopt when it is not well-formed UTF-8.
[[nodiscard]] std::optional<size_t> utf8_length(std::string_view text) noexcept;

// `text` with every byte that does not belong to a well-formed sequence replaced by
// U+FFFD; valid text comes back unchanged.
[[nodiscard]] std::string valid_utf8(std::string_view text);

}  // namespace stockroom
