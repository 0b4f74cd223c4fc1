// The key table (engine/model/routing.h): each command's key field, stream names'
// keys, and the partition function against FNV-1a's published test vectors.
#include "engine/model/routing.h"

#include <catch2/catch.hpp>
#include <string>

#include "engine/model/event.h"

using namespace stockroom;

TEST_CASE("routing: each command is keyed by the id the contract names", "[routing]") {
  // nats-api.md: sku for product.*, inventory.* and rating.reject; cart_id for cart.*;
  // order_id for order.*, payment.* and rating.submit.
  for (std::string_view name : {"product.define", "product.reprice", "product.retire",
                                "inventory.receive", "inventory.adjust", "rating.reject"}) {
    INFO(name);
    CHECK(key_field(*command_for_name(name)) == KeyField::kSku);
  }
  for (std::string_view name :
       {"cart.open", "cart.add_item", "cart.remove_item", "cart.abandon", "cart.checkout"}) {
    INFO(name);
    CHECK(key_field(*command_for_name(name)) == KeyField::kCartId);
  }
  for (std::string_view name :
       {"order.cancel", "order.ship", "order.deliver", "order.return", "payment.authorize",
        "payment.capture", "payment.void", "payment.fail", "payment.refund", "rating.submit"}) {
    INFO(name);
    CHECK(key_field(*command_for_name(name)) == KeyField::kOrderId);
  }
  CHECK(key_field(Command{ExpireOrder{OrderId("o-1")}}) == KeyField::kOrderId);
  CHECK(key_field_name(KeyField::kSku) == "sku");
  CHECK(key_field_name(KeyField::kCartId) == "cart_id");
  CHECK(key_field_name(KeyField::kOrderId) == "order_id");
}

TEST_CASE("routing: the key is the value of the key field", "[routing]") {
  CHECK(routing_key(Command{ReceiveStock{Sku("SKU-1"), Quantity{1}, ""}}) == "SKU-1");
  CHECK(routing_key(Command{CheckOutCart{CartId("c-1"), OrderId("o-1")}}) == "c-1");
  CHECK(routing_key(Command{SubmitRating{OrderId("o-9"), Sku("S"), 5, ""}}) == "o-9");
  CHECK(routing_key(Command{RejectRating{Sku("S"), CustomerId("bob"), "spam"}}) == "S");
  CHECK(routing_key(Command{CapturePayment{OrderId("o-2"), PaymentId("p"), std::nullopt}}) ==
        "o-2");
}

TEST_CASE("routing: a stream's key, review streams split at '~'", "[routing]") {
  CHECK(routing_key_of_stream("product-SKU-1") == "SKU-1");
  CHECK(routing_key_of_stream("cart-c-1") == "c-1");
  CHECK(routing_key_of_stream("order-o_1") == "o_1");
  CHECK(routing_key_of_stream(review_stream(Sku("A-b"), CustomerId("c"))) == "A-b");
  CHECK(routing_key_of_stream(review_stream(Sku("A"), CustomerId("b-c"))) == "A");
  // With '-' as the separator these two ratings would have shared a stream.
  CHECK(review_stream(Sku("A-b"), CustomerId("c")) != review_stream(Sku("A"), CustomerId("b-c")));
  CHECK(routing_key_of_stream("review-A-b") == std::nullopt);  // no '~': not a review name
  CHECK(routing_key_of_stream("review-~c") == std::nullopt);   // empty sku
  CHECK(routing_key_of_stream("payment-p") == std::nullopt);
  CHECK(routing_key_of_stream("order-") == std::nullopt);
}

TEST_CASE("routing: FNV-1a 32 matches its reference vectors, partition is hash mod N",
          "[routing]") {
  // The FNV reference (http://www.isthe.com/chongo/tech/comp/fnv/) test vectors.
  CHECK(fnv1a32("") == 0x811c9dc5u);
  CHECK(fnv1a32("a") == 0xe40c292cu);
  CHECK(fnv1a32("foobar") == 0xbf9cf968u);
  static_assert(partition_of("a", 1) == 0);
  CHECK(partition_of("foobar", 7) == 0xbf9cf968u % 7);
  for (uint32_t n : {1u, 2u, 3u, 4u, 16u}) {
    for (int i = 0; i < 100; ++i) CHECK(partition_of("k" + std::to_string(i), n) < n);
  }
}
