// payment.authorize, payment.capture, payment.void, payment.fail, payment.refund.
#include "tests/domain/given.h"

using namespace stockroom;
using namespace stockroom::testing;

namespace {

const PaymentId pay2("p-2");

Given authorized(int64_t amount) {
  Given given = order_awaiting_payment();
  given.add(PaymentAuthorized{order_id, pay1, eur(amount), ""});
  return given;
}

Given fully_captured() {
  Given given = authorized(2900);
  given.add(PaymentCaptured{order_id, pay1, eur(2900)}).add(OrderPaid{order_id});
  return given;
}

}  // namespace

TEST_CASE("authorizing a payment records PaymentAuthorized", "[decider]") {
  Given given = order_awaiting_payment();
  CHECK(when(given, AuthorizePayment{order_id, pay1, eur(2900), "psp-7"}, service()) ==
        then({PaymentAuthorized{order_id, pay1, eur(2900), "psp-7"}}));
}

TEST_CASE("authorizing on a missing order is NOT_FOUND", "[decider]") {
  Given given;
  CHECK(code_of(when(given, AuthorizePayment{order_id, pay1, eur(1), ""})) == "NOT_FOUND");
}

TEST_CASE("authorizing on a paid, cancelled or expired order is INVALID_STATE", "[decider]") {
  Given is_paid = fully_captured();
  CHECK(code_of(when(is_paid, AuthorizePayment{order_id, pay2, eur(1), ""})) == "INVALID_STATE");
  Given cancelled = order_awaiting_payment();
  cancelled.add(OrderCancelled{order_id, "x", eur(0)});
  CHECK(code_of(when(cancelled, AuthorizePayment{order_id, pay1, eur(1), ""})) == "INVALID_STATE");
  Given expired = order_awaiting_payment();
  expired.add(OrderExpired{order_id, eur(0)});
  CHECK(code_of(when(expired, AuthorizePayment{order_id, pay1, eur(1), ""})) == "INVALID_STATE");
}

TEST_CASE("authorizing a payment id already used is ALREADY_EXISTS", "[decider]") {
  Given given = authorized(100);
  CHECK(code_of(when(given, AuthorizePayment{order_id, pay1, eur(100), ""})) == "ALREADY_EXISTS");
  Given failed = order_awaiting_payment();
  failed.add(PaymentFailed{order_id, pay2, "declined"});
  CHECK(code_of(when(failed, AuthorizePayment{order_id, pay2, eur(100), ""})) == "ALREADY_EXISTS");
}

TEST_CASE("authorizing in another currency than the order's is CURRENCY_MISMATCH", "[decider]") {
  Given given = order_awaiting_payment();
  CHECK(code_of(when(given, AuthorizePayment{order_id, pay1, usd(100), ""})) ==
        "CURRENCY_MISMATCH");
}

TEST_CASE("authorizing beyond the total not yet committed is AMOUNT_EXCEEDED", "[decider]") {
  Given given = authorized(2000);
  given.add(PaymentCaptured{order_id, pay1, eur(1500)});
  auto d = when(given, AuthorizePayment{order_id, pay2, eur(901), ""});
  REQUIRE(code_of(d) == "AMOUNT_EXCEEDED");
  CHECK(d.error().details ==
        std::vector<ErrorDetail>{{"requested", int64_t{901}}, {"allowed", int64_t{900}}});
  CHECK(code_of(when(given, AuthorizePayment{order_id, pay2, eur(900), ""})) == "accepted");
}

TEST_CASE("voided, failed and refunded money may be authorized again", "[decider]") {
  Given given = authorized(2000);
  given.add(PaymentCaptured{order_id, pay1, eur(1500)});
  given.add(PaymentVoided{order_id, pay1, eur(500)});
  given.add(PaymentRefunded{order_id, pay1, eur(100), "partial"});
  CHECK(code_of(when(given, AuthorizePayment{order_id, pay2, eur(1500), ""})) == "accepted");
  CHECK(code_of(when(given, AuthorizePayment{order_id, pay2, eur(1501), ""})) == "AMOUNT_EXCEEDED");
}

TEST_CASE("authorizing 0 or a negative amount is INVALID_ARGUMENT", "[decider]") {
  Given given = order_awaiting_payment();
  CHECK(code_of(when(given, AuthorizePayment{order_id, pay1, eur(0), ""})) == "INVALID_ARGUMENT");
  CHECK(code_of(when(given, AuthorizePayment{order_id, pay1, eur(-1), ""})) == "INVALID_ARGUMENT");
}

TEST_CASE("capturing all that is authorized records PaymentCaptured then OrderPaid", "[decider]") {
  Given given = authorized(2900);
  CHECK(when(given, CapturePayment{order_id, pay1, std::nullopt}) ==
        then({PaymentCaptured{order_id, pay1, eur(2900)}, OrderPaid{order_id}}));
}

TEST_CASE("a partial capture does not pay the order", "[decider]") {
  Given given = authorized(2900);
  CHECK(when(given, CapturePayment{order_id, pay1, eur(1000)}) ==
        then({PaymentCaptured{order_id, pay1, eur(1000)}}));
}

TEST_CASE("the capture that brings two payments to the total pays the order", "[decider]") {
  Given given = authorized(1900);
  given.add(PaymentAuthorized{order_id, pay2, eur(1000), ""});
  given.add(PaymentCaptured{order_id, pay1, eur(1900)});
  CHECK(when(given, CapturePayment{order_id, pay2, std::nullopt}) ==
        then({PaymentCaptured{order_id, pay2, eur(1000)}, OrderPaid{order_id}}));
}

TEST_CASE("capturing an unknown payment is NOT_FOUND", "[decider]") {
  Given given = order_awaiting_payment();
  CHECK(code_of(when(given, CapturePayment{order_id, pay1, std::nullopt})) == "NOT_FOUND");
  Given none;
  CHECK(code_of(when(none, CapturePayment{order_id, pay1, std::nullopt})) == "NOT_FOUND");
}

TEST_CASE("capturing a voided or failed payment is INVALID_STATE", "[decider]") {
  Given voided = authorized(2900);
  voided.add(PaymentVoided{order_id, pay1, eur(2900)});
  CHECK(code_of(when(voided, CapturePayment{order_id, pay1, std::nullopt})) == "INVALID_STATE");
  Given failed = authorized(2900);
  failed.add(PaymentFailed{order_id, pay1, "declined"});
  CHECK(code_of(when(failed, CapturePayment{order_id, pay1, std::nullopt})) == "INVALID_STATE");
}

TEST_CASE("capturing on a cancelled order is INVALID_STATE", "[decider]") {
  Given given = authorized(2900);
  given.add(PaymentCaptured{order_id, pay1, eur(100)});
  given.add(OrderCancelled{order_id, "x", eur(100)});
  CHECK(code_of(when(given, CapturePayment{order_id, pay1, eur(100)})) == "INVALID_STATE");
}

TEST_CASE("capturing a fully captured payment without an amount is INVALID_STATE", "[decider]") {
  Given given = fully_captured();
  CHECK(code_of(when(given, CapturePayment{order_id, pay1, std::nullopt})) == "INVALID_STATE");
}

TEST_CASE("capturing an explicit amount from a fully captured payment is AMOUNT_EXCEEDED",
          "[decider]") {
  Given given = fully_captured();
  auto d = when(given, CapturePayment{order_id, pay1, eur(1)});
  REQUIRE(code_of(d) == "AMOUNT_EXCEEDED");
  CHECK(d.error().details ==
        std::vector<ErrorDetail>{{"requested", int64_t{1}}, {"allowed", int64_t{0}}});
}

TEST_CASE("capturing an explicit amount from a voided payment stays INVALID_STATE", "[decider]") {
  Given given = authorized(2900);
  given.add(PaymentCaptured{order_id, pay1, eur(900)});
  given.add(PaymentVoided{order_id, pay1, eur(2000)});
  CHECK(code_of(when(given, CapturePayment{order_id, pay1, eur(1)})) == "INVALID_STATE");
}

TEST_CASE("capturing more than the uncaptured remainder is AMOUNT_EXCEEDED", "[decider]") {
  Given given = authorized(2900);
  given.add(PaymentCaptured{order_id, pay1, eur(900)});
  auto d = when(given, CapturePayment{order_id, pay1, eur(2001)});
  REQUIRE(code_of(d) == "AMOUNT_EXCEEDED");
  CHECK(d.error().details ==
        std::vector<ErrorDetail>{{"requested", int64_t{2001}}, {"allowed", int64_t{2000}}});
  CHECK(code_of(when(given, CapturePayment{order_id, pay1, eur(2000)})) == "accepted");
}

TEST_CASE("capturing in another currency is CURRENCY_MISMATCH", "[decider]") {
  Given given = authorized(2900);
  CHECK(code_of(when(given, CapturePayment{order_id, pay1, usd(100)})) == "CURRENCY_MISMATCH");
}

TEST_CASE("voiding releases the uncaptured remainder", "[decider]") {
  Given given = authorized(2900);
  given.add(PaymentCaptured{order_id, pay1, eur(900)});
  CHECK(when(given, VoidPayment{order_id, pay1}) ==
        then({PaymentVoided{order_id, pay1, eur(2000)}}));
}

TEST_CASE("voiding an unknown payment is NOT_FOUND", "[decider]") {
  Given given = order_awaiting_payment();
  CHECK(code_of(when(given, VoidPayment{order_id, pay1})) == "NOT_FOUND");
}

TEST_CASE("voiding with nothing left uncaptured is INVALID_STATE", "[decider]") {
  Given captured = fully_captured();
  CHECK(code_of(when(captured, VoidPayment{order_id, pay1})) == "INVALID_STATE");
  Given voided = authorized(2900);
  voided.add(PaymentVoided{order_id, pay1, eur(2900)});
  CHECK(code_of(when(voided, VoidPayment{order_id, pay1})) == "INVALID_STATE");
}

TEST_CASE("failing a new payment id records the declined attempt", "[decider]") {
  Given given = order_awaiting_payment();
  CHECK(when(given, FailPayment{order_id, pay1, "card declined"}) ==
        then({PaymentFailed{order_id, pay1, "card declined"}}));
}

TEST_CASE("failing an authorized, uncaptured payment records PaymentFailed", "[decider]") {
  Given given = authorized(2900);
  CHECK(when(given, FailPayment{order_id, pay1, "fraud check"}) ==
        then({PaymentFailed{order_id, pay1, "fraud check"}}));
}

TEST_CASE("failing a payment on a missing order is NOT_FOUND", "[decider]") {
  Given given;
  CHECK(code_of(when(given, FailPayment{order_id, pay1, "x"})) == "NOT_FOUND");
}

TEST_CASE("failing a partly captured, voided or failed payment is INVALID_STATE", "[decider]") {
  Given captured = authorized(2900);
  captured.add(PaymentCaptured{order_id, pay1, eur(1)});
  CHECK(code_of(when(captured, FailPayment{order_id, pay1, "x"})) == "INVALID_STATE");
  Given voided = authorized(2900);
  voided.add(PaymentVoided{order_id, pay1, eur(2900)});
  CHECK(code_of(when(voided, FailPayment{order_id, pay1, "x"})) == "INVALID_STATE");
  Given failed = order_awaiting_payment();
  failed.add(PaymentFailed{order_id, pay1, "x"});
  CHECK(code_of(when(failed, FailPayment{order_id, pay1, "x"})) == "INVALID_STATE");
}

TEST_CASE("refunding captured money records PaymentRefunded", "[decider]") {
  Given given = fully_captured();
  CHECK(when(given, RefundPayment{order_id, pay1, eur(400), "damaged"}) ==
        then({PaymentRefunded{order_id, pay1, eur(400), "damaged"}}));
}

TEST_CASE("refunding an unknown payment is NOT_FOUND", "[decider]") {
  Given given = fully_captured();
  CHECK(code_of(when(given, RefundPayment{order_id, pay2, eur(1), "x"})) == "NOT_FOUND");
}

TEST_CASE("refunding more than captured and not yet refunded is AMOUNT_EXCEEDED", "[decider]") {
  Given given = fully_captured();
  given.add(PaymentRefunded{order_id, pay1, eur(2000), "x"});
  CHECK(code_of(when(given, RefundPayment{order_id, pay1, eur(901), "x"})) == "AMOUNT_EXCEEDED");
  CHECK(code_of(when(given, RefundPayment{order_id, pay1, eur(900), "x"})) == "accepted");
}

TEST_CASE("refunding an uncaptured authorization is AMOUNT_EXCEEDED", "[decider]") {
  Given given = authorized(2900);
  CHECK(code_of(when(given, RefundPayment{order_id, pay1, eur(1), "x"})) == "AMOUNT_EXCEEDED");
}

TEST_CASE("refunding in another currency is CURRENCY_MISMATCH", "[decider]") {
  Given given = fully_captured();
  CHECK(code_of(when(given, RefundPayment{order_id, pay1, usd(1), "x"})) == "CURRENCY_MISMATCH");
}

TEST_CASE("a refund needs a positive amount and a reason", "[decider]") {
  Given given = fully_captured();
  CHECK(code_of(when(given, RefundPayment{order_id, pay1, eur(0), "x"})) == "INVALID_ARGUMENT");
  CHECK(code_of(when(given, RefundPayment{order_id, pay1, eur(1), ""})) == "INVALID_ARGUMENT");
}
