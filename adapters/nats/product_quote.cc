#include "adapters/nats/product_quote.h"

#include <nats/nats.h>
#include <rapidjson/document.h>

#include <string>

#include "adapters/nats/rating_forward.h"

namespace stockroom::nats_adapter {

Result<ProductState> product_from_reply(std::string_view reply) {
  rapidjson::Document d;
  d.Parse(reply.data(), reply.size());
  const auto unusable = [&] {
    return std::unexpected(
        Error{ErrorCode::kUnavailable,
              "the product's partition answered neither a stock view nor NOT_FOUND: " +
                  std::string(reply.substr(0, 200)),
              {},
              {}});
  };
  if (d.HasParseError() || !d.IsObject()) return unusable();
  if (d.HasMember("error") && d["error"].IsObject() && d["error"].HasMember("code") &&
      d["error"]["code"].IsString()) {
    if (std::string_view(d["error"]["code"].GetString()) == "NOT_FOUND") return ProductState{};
    return unusable();
  }
  if (!d.HasMember("price") || !d["price"].IsObject() || !d["price"].HasMember("amount") ||
      !d["price"]["amount"].IsInt64() || !d["price"].HasMember("currency") ||
      !d["price"]["currency"].IsString() || !d.HasMember("retired") || !d["retired"].IsBool() ||
      !d.HasMember("version") || !d["version"].IsUint64()) {
    return unusable();
  }
  ProductState product;
  product.version = StreamVersion{d["version"].GetUint64()};
  product.defined = true;
  product.price =
      Money{d["price"]["amount"].GetInt64(), Currency(d["price"]["currency"].GetString())};
  product.retired = d["retired"].GetBool();
  return product;
}

Result<ProductState> read_product(natsConnection* connection, std::string_view prefix,
                                  const Sku& sku, std::chrono::milliseconds timeout) {
  // A valid sku is of the id alphabet: no JSON escaping needed.
  Result<std::string> reply =
      request_reply(connection, std::string(prefix) + ".query.stock." + sku.str(),
                    "{\"sku\":\"" + sku.str() + "\"}", wire::Encoding::kJson, timeout);
  if (!reply) return std::unexpected(std::move(reply.error()));
  return product_from_reply(*reply);
}

}  // namespace stockroom::nats_adapter
