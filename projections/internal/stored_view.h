// Loading a view from a projection's keyspace: the stored JSON decoded, or the
// default view when the key has nothing yet (the view's first event).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "engine/model/error.h"
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

// A view of type View kept decoded in a store for the rest of its group.
template <class View>
class Working final : public WorkingView {
 public:
  using Encode = std::string (*)(const View&);
  Working(View view, Encode encode) : view(std::move(view)), encode_(encode) {}
  [[nodiscard]] std::string encode() const override { return encode_(view); }
  View view;

 private:
  Encode encode_;
};

// Applies `change` (View& -> Status) to the view under `key`: to the decoded copy the
// group already holds, else to the stored one decoded (or a default view) that the
// store then keeps. One decode and one encode per key and group, however many of the
// group's events change it.
template <class View, class Decode, class Change>
[[nodiscard]] Status update_view(ViewStore& store, std::string_view key, Decode decode,
                                 typename Working<View>::Encode encode, Change change) {
  if (auto* kept = dynamic_cast<Working<View>*>(store.working(key))) return change(kept->view);
  Result<View> view = load_view<View>(store, key, decode);
  if (!view) return std::unexpected(std::move(view.error()));
  if (auto s = change(*view); !s) return s;
  store.keep(key, std::make_unique<Working<View>>(std::move(*view), encode));
  return {};
}

}  // namespace stockroom::projections::internal
