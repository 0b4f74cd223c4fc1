// CSV fields as RFC 4180 writes them: a field holding a comma, a double quote, a
// carriage return or a line feed is enclosed in double quotes, its quotes doubled.
// Bytes are passed through (UTF-8 stays UTF-8). Pure.
#pragma once

#include <string>
#include <string_view>

namespace stockroom::tools {

void append_csv_field(std::string& out, std::string_view field);

}  // namespace stockroom::tools
