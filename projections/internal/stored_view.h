// Loading a view from a projection's keyspace: the stored JSON decoded, or the
// default view when the key has nothing yet (the view's first event).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "engine/error.h"
#include "projections/projection.h"

namespace stockroom::projections::internal {

// `decode` is the view's from_json. Errors: the store's, or kMalformed (with the key
// as a detail) when the stored bytes are not a view of this kind.
template <class View, class Decode>
[[nodiscard]] Result<View> load_view(ViewStore& store, std::string_view key, Decode decode) {
  Result<std::optional<std::string>> stored = store.get(key);
  if (!stored) return std::unexpected(std::move(stored.error()));
  if (!stored->has_value()) return View{};
  Result<View> view = decode(**stored);
  if (!view) view.error().details.push_back({"key", std::string(key)});
  return view;
}

}  // namespace stockroom::projections::internal
