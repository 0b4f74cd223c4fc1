// The encoding-independent parts of the wire: view names, codec choice and the push
// subject of a stream.
#include "adapters/wire/wire.h"

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

const Codec& codec_for(Encoding encoding) {
  return encoding == Encoding::kFlatBuffers ? flatbuffers_codec() : json_codec();
}

std::optional<StreamKind> stream_kind(std::string_view stream) noexcept {
  for (const StreamKindName& k : stream_kinds()) {
    if (stream.size() > k.prefix.size() && stream.starts_with(k.prefix)) {
      return StreamKind{k.kind, stream.substr(k.prefix.size())};
    }
  }
  return std::nullopt;
}

}  // namespace stockroom::wire
