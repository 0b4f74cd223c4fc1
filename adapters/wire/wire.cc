// The encoding-independent parts of the wire: view names, codec choice and the push
// subject of a stream.
#include "adapters/wire/wire.h"

#include <algorithm>
#include <array>

namespace stockroom::wire {

std::optional<Query::Kind> query_kind(std::string_view name) noexcept {
  using Kind = Query::Kind;
  struct Named {
    std::string_view name;
    Kind kind;
  };
  static constexpr std::array<Named, 9> kNames = {{
      {"order", Kind::kOrder},
      {"stock", Kind::kStock},
      {"rating", Kind::kRating},
      {"cart", Kind::kCart},
      {"history", Kind::kHistory},
      {"events", Kind::kEvents},
      {"as_of", Kind::kAsOf},
      {"verify", Kind::kVerify},
      {"head", Kind::kHead},
  }};
  for (const Named& n : kNames) {
    if (n.name == name) return n.kind;
  }
  return std::nullopt;
}

bool view_is_pushed(std::string_view view) noexcept {
  return view == "order" || view == "stock" || view == "rating";
}

std::string_view view_name(Query::Kind kind) noexcept {
  switch (kind) {
    case Query::Kind::kOrder:
      return "order";
    case Query::Kind::kStock:
      return "stock";
    case Query::Kind::kRating:
      return "rating";
    case Query::Kind::kCart:
      return "cart";
    case Query::Kind::kHistory:
    case Query::Kind::kEvents:
    case Query::Kind::kAsOf:
    case Query::Kind::kVerify:
    case Query::Kind::kHead:
      return {};
  }
  return {};
}

Encoding encoding_for(std::string_view content_type) noexcept {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  constexpr std::string_view kSpace = " \t";
  const size_t first = media.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return Encoding::kJson;
  media = media.substr(first, media.find_last_not_of(kSpace) - first + 1);
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  const bool same = media.size() == kFlatBuffersContentType.size() &&
                    std::equal(media.begin(), media.end(), kFlatBuffersContentType.begin(),
                               [&](char a, char b) { return lower(a) == b; });
  return same ? Encoding::kFlatBuffers : Encoding::kJson;
}

const Codec& codec_for(Encoding encoding) {
  return encoding == Encoding::kFlatBuffers ? flatbuffers_codec() : json_codec();
}

std::optional<StreamKind> stream_kind(std::string_view stream) noexcept {
  const auto kind = stream_kind_of(stream);
  if (!kind) return std::nullopt;
  return StreamKind{kind->kind, stream.substr(kind->prefix.size())};
}

}  // namespace stockroom::wire
