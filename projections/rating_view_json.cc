// JSON of the ratings view (see rating_view.h for the layout).
#include <fmt/format.h>

#include "projections/internal/json.h"
#include "projections/rating_view.h"

namespace stockroom::projections {
namespace {

using internal::FieldReader;
using internal::JsonWriter;
using internal::put;

constexpr std::string_view kWhat = "ratings view";

// 433 -> "4.33", 450 -> "4.5", 400 -> "4": the shortest text of the rounded value.
std::string average_text(int64_t hundredths) {
  const int64_t whole = hundredths / 100;
  const int64_t cents = hundredths % 100;
  if (cents == 0) return fmt::format("{}", whole);
  if (cents % 10 == 0) return fmt::format("{}.{}", whole, cents / 10);
  return fmt::format("{}.{:02}", whole, cents);
}

void put_average(JsonWriter& w, int64_t hundredths) {
  const std::string text = average_text(hundredths);
  internal::put_key(w, "average");
  w.RawValue(text.data(), text.size(), rapidjson::kNumberType);
}

void put_histogram(JsonWriter& w, const std::array<int64_t, 5>& histogram) {
  internal::put_key(w, "histogram");
  w.StartArray();
  for (int64_t n : histogram) w.Int64(n);
  w.EndArray();
}

// The histogram, which must be five counts >= 0; it also gives count and star sum.
bool read_histogram(FieldReader& r, RatingView& view) {
  const rapidjson::Value* array = r.array("histogram");
  if (array == nullptr || array->Size() != view.histogram.size()) return false;
  for (size_t i = 0; i < view.histogram.size(); ++i) {
    const rapidjson::Value& n = (*array)[static_cast<rapidjson::SizeType>(i)];
    if (!n.IsInt64() || n.GetInt64() < 0 || n.GetInt64() > (int64_t{1} << 50)) return false;
    view.histogram[i] = n.GetInt64();
    view.count += view.histogram[i];
    view.stars += view.histogram[i] * static_cast<int64_t>(i + 1);
  }
  return true;
}

}  // namespace

std::string to_json(const RatingView& view) {
  internal::JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  put(w, "sku", view.sku.str());
  put(w, "count", view.count);
  put_average(w, view.average_hundredths());
  put_histogram(w, view.histogram);
  put(w, "version", view.version);
  put(w, "position", view.position.value);
  w.EndObject();
  return internal::json_text(buffer);
}

Result<RatingView> rating_view_from_json(std::string_view json) {
  auto document = internal::parse_json(json, kWhat);
  if (!document) return std::unexpected(std::move(document.error()));
  FieldReader r(*document);
  RatingView view;
  view.sku = r.id<Sku>("sku");
  const int64_t count = r.int64("count");
  const rapidjson::Value* average = r.member("average");
  const bool histogram_ok = read_histogram(r, view);
  view.version = r.uint64("version");
  view.position = Position{r.uint64("position")};
  if (!r.ok() || !histogram_ok || count != view.count || !average->IsNumber() ||
      average->GetDouble() != static_cast<double>(view.average_hundredths()) / 100.0) {
    return std::unexpected(internal::malformed(kWhat));
  }
  return view;
}

}  // namespace stockroom::projections
