#include "adapters/wire/fb_values.h"

#include <variant>
#include <vector>

#include "engine/model/utf8.h"

namespace stockroom::wire::fbcodec {
namespace {

flatbuffers::Offset<fb::Detail> put_detail(Builder& b, const ErrorDetail& detail) {
  const StringRef name = b.CreateString(detail.name);
  if (const auto* text = std::get_if<std::string>(&detail.value)) {
    const StringRef value = b.CreateString(valid_utf8(*text));  // it may echo the request
    return fb::CreateDetail(b, name, flatbuffers::nullopt, value);
  }
  return fb::CreateDetail(b, name, std::get<int64_t>(detail.value));
}

flatbuffers::Offset<fb::Shortage> put_shortage(Builder& b, const Shortage& shortage) {
  const StringRef sku = b.CreateString(shortage.sku);
  return fb::CreateShortage(b, sku, shortage.requested, shortage.available);
}

}  // namespace

flatbuffers::Offset<fb::Money> put_money(Builder& b, const Money& money) {
  const StringRef currency = b.CreateString(money.currency.str());
  return fb::CreateMoney(b, money.amount, currency);
}

flatbuffers::Offset<fb::ErrorInfo> put_error(Builder& b, const Error& error) {
  const StringRef code = b.CreateString(error_code_name(error.code));
  // A refusal may quote what the request held: FlatBuffers strings are UTF-8, and
  // readers in other languages check it.
  const StringRef message = b.CreateString(valid_utf8(error.message));
  // Empty lists are left out (a null offset), as most refusals have neither.
  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::Detail>>> details;
  if (!error.details.empty()) {
    std::vector<flatbuffers::Offset<fb::Detail>> items;
    items.reserve(error.details.size());
    for (const ErrorDetail& detail : error.details) items.push_back(put_detail(b, detail));
    details = b.CreateVector(items);
  }
  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::Shortage>>> shortages;
  if (!error.shortages.empty()) {
    std::vector<flatbuffers::Offset<fb::Shortage>> items;
    items.reserve(error.shortages.size());
    for (const Shortage& shortage : error.shortages) items.push_back(put_shortage(b, shortage));
    shortages = b.CreateVector(items);
  }
  return fb::CreateErrorInfo(b, code, message, details, shortages);
}

}  // namespace stockroom::wire::fbcodec
