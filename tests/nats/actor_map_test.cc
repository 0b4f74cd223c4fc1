// The actor map without I/O (adapters/nats/actor_map.h): the file's shape and its
// refusals, the Nats-Request-Info header read into a sender, and which sender may
// claim which actor.
#include "adapters/nats/actor_map.h"

#include <catch2/catch.hpp>
#include <string>

namespace stockroom::nats_adapter {
namespace actor_map_test {

const std::string kMap = R"({
  "own_account": "trust",
  "identities": [
    {"account": "BACKEND", "user": "shop1", "roles": ["customer", "service"], "actors": ["*"]},
    {"account": "BACKEND", "roles": ["customer"], "actors": ["walk-in"]},
    {"account": "INVENTORY", "roles": ["staff"], "actors": ["inventory-svc"]}
  ]})";

ActorMap map_of(const std::string& json) {
  Result<ActorMap> map = parse_actor_map(json, "test.json");
  REQUIRE(map.has_value());
  return *map;
}

// The message of a refused map, which must name the source.
std::string refusal_of(const std::string& json) {
  Result<ActorMap> map = parse_actor_map(json, "test.json");
  REQUIRE_FALSE(map.has_value());
  CHECK(map.error().code == ErrorCode::kInvalidArgument);
  CHECK_THAT(map.error().message, Catch::Contains("actor map test.json: "));
  return map.error().message;
}

Actor as(std::string id, Role role) { return Actor{ActorId(std::move(id)), role}; }

Status check(const ActorMap& map, Sender sender, const Actor& actor) {
  return check_sender(map, sender, actor);
}

TEST_CASE("an actor map file is read with its identities and own_account", "[actor_map]") {
  const ActorMap map = map_of(kMap);
  CHECK(map.trust_own_account);
  REQUIRE(map.identities.size() == 3);
  CHECK(map.identities[0].account == "BACKEND");
  CHECK(map.identities[0].user == std::optional<std::string>("shop1"));
  CHECK(map.identities[0].any_actor);
  CHECK(map.identities[0].roles == std::vector<Role>{Role::kCustomer, Role::kService});
  CHECK_FALSE(map.identities[1].user.has_value());
  CHECK_FALSE(map.identities[2].any_actor);
  CHECK(map.identities[2].actors == std::vector<std::string>{"inventory-svc"});
  CHECK_FALSE(map_of(R"({"own_account": "forbid", "identities": []})").trust_own_account);
}

TEST_CASE("an actor map that is wrong is refused naming the file and the problem", "[actor_map]") {
  CHECK_THAT(refusal_of("{"), Catch::Contains("not JSON at offset 1"));
  CHECK_THAT(refusal_of("[]"), Catch::Contains("must be a JSON object"));
  CHECK_THAT(refusal_of(R"({"identities": []})"), Catch::Contains("\"own_account\" must be"));
  CHECK_THAT(refusal_of(R"({"own_account": "yes", "identities": []})"),
             Catch::Contains("\"own_account\" must be"));
  CHECK_THAT(refusal_of(R"({"own_account": "trust"})"),
             Catch::Contains("\"identities\" must be an array"));
  CHECK_THAT(refusal_of(R"({"own_account": "trust", "identities": [], "ident": 1})"),
             Catch::Contains("top level: unknown key \"ident\""));
  const std::string head = R"({"own_account": "trust", "identities": [)";
  CHECK_THAT(refusal_of(head + R"({"roles": ["staff"], "actors": ["*"]}]})"),
             Catch::Contains("identities[0]: \"account\" must be a non-empty string"));
  CHECK_THAT(
      refusal_of(head + R"({"account": "A", "user": "", "roles": ["staff"], "actors": ["*"]}]})"),
      Catch::Contains("identities[0]: \"user\" must be a non-empty string"));
  CHECK_THAT(refusal_of(head + R"({"account": "A", "role": ["staff"], "actors": ["*"]}]})"),
             Catch::Contains("identities[0]: unknown key \"role\""));
  CHECK_THAT(refusal_of(head + R"({"account": "A", "roles": ["admin"], "actors": ["*"]}]})"),
             Catch::Contains("identities[0]: unknown role \"admin\""));
  CHECK_THAT(refusal_of(head + R"({"account": "A", "roles": [], "actors": ["*"]}]})"),
             Catch::Contains("identities[0]: \"roles\" must be a non-empty array"));
  CHECK_THAT(refusal_of(head + R"({"account": "A", "roles": ["staff"], "actors": ["a b"]}]})"),
             Catch::Contains("identities[0]: actor \"a b\" is neither"));
  CHECK_THAT(refusal_of(head + R"({"account": "A", "roles": ["staff"], "actors": [7]}]})"),
             Catch::Contains("identities[0]: \"actors\" must hold strings only"));
  CHECK_THAT(refusal_of(head + R"({"account": "A", "roles": ["staff"], "actors": ["x"]},
                                  {"account": "A", "roles": ["service"], "actors": ["y"]}]})"),
             Catch::Contains("identities[1]: account \"A\" (any user) is listed twice"));
}

TEST_CASE("an actor map file that cannot be read is refused naming the file", "[actor_map]") {
  Result<ActorMap> map = load_actor_map("/nonexistent/actors.json");
  REQUIRE_FALSE(map.has_value());
  CHECK(map.error().code == ErrorCode::kInvalidArgument);
  CHECK_THAT(map.error().message,
             Catch::Contains("actor map /nonexistent/actors.json: cannot read"));
}

TEST_CASE("the server's Nats-Request-Info header gives the sender's account and user",
          "[actor_map]") {
  // Given the header as nats-server 2.9.10 sets it (nested values are skipped)
  const std::string header =
      R"({"start":"2026-12-03T10:00:00.1Z","host":"127.0.0.1","id":7,"acc":"BACKEND",)"
      R"("user":"shop1","lang":"C","ver":"3.4.1","rtt":"1ms","server":"S",)"
      R"("tags":["a",{"acc":"X"}],"kind":"Client","client_type":"nats"})";
  // When it is read
  Result<Sender> sender = sender_of(header);
  // Then the top-level acc and user are the sender
  REQUIRE(sender.has_value());
  CHECK(sender->account == "BACKEND");
  CHECK(sender->user == "shop1");
  CHECK_FALSE(sender->own_account());
}

TEST_CASE("no header means the engine's own account", "[actor_map]") {
  Result<Sender> sender = sender_of(std::nullopt);
  REQUIRE(sender.has_value());
  CHECK(sender->own_account());
}

TEST_CASE("a malformed Nats-Request-Info header is FORBIDDEN and not a crash", "[actor_map]") {
  const std::vector<std::string> headers = {"",
                                            "{",
                                            "not json",
                                            "[]",
                                            R"("BACKEND")",
                                            R"({"user":"shop1"})",
                                            R"({"acc":""})",
                                            R"({"acc":7,"user":"shop1"})",
                                            R"({"acc":"BACKEND"} trailing)",
                                            R"({"nested":{"acc":"BACKEND"}})",
                                            std::string("{\"acc\":\"B\0\"", 11)};
  for (const std::string& header : headers) {
    INFO(header);
    Result<Sender> sender = sender_of(header);
    REQUIRE_FALSE(sender.has_value());
    CHECK(sender.error().code == ErrorCode::kForbidden);
    CHECK_THAT(sender.error().message, Catch::Contains("Nats-Request-Info"));
  }
}

TEST_CASE("a named user may claim the roles and actors its identity lists", "[actor_map]") {
  const ActorMap map = map_of(kMap);
  const Sender shop1{"BACKEND", "shop1"};
  CHECK(check(map, shop1, as("alice", Role::kCustomer)).has_value());
  CHECK(check(map, shop1, as("checkout-svc", Role::kService)).has_value());
  // When it claims staff, which no identity of its gives it
  Status staff = check(map, shop1, as("alice", Role::kStaff));
  // Then FORBIDDEN naming the account, the user and the actor
  REQUIRE_FALSE(staff.has_value());
  CHECK(staff.error().code == ErrorCode::kForbidden);
  CHECK(staff.error().message ==
        "NATS account 'BACKEND' user 'shop1' may not act as staff 'alice': the actor map does "
        "not give it the role staff");
  CHECK(staff.error().details == std::vector<ErrorDetail>{{"account", std::string("BACKEND")},
                                                          {"user", std::string("shop1")},
                                                          {"actor", std::string("alice")},
                                                          {"role", std::string("staff")}});
}

TEST_CASE("an identity without a user covers every user of its account and grants add up",
          "[actor_map]") {
  const ActorMap map = map_of(kMap);
  // shop2 has only the account-wide identity: customer walk-in
  const Sender shop2{"BACKEND", "shop2"};
  CHECK(check(map, shop2, as("walk-in", Role::kCustomer)).has_value());
  Status other = check(map, shop2, as("alice", Role::kCustomer));
  REQUIRE_FALSE(other.has_value());
  CHECK(other.error().code == ErrorCode::kForbidden);
  CHECK_THAT(other.error().message,
             Catch::Contains("account 'BACKEND' user 'shop2' may not act as customer 'alice'") &&
                 Catch::Contains("does not list that actor id"));
  CHECK_FALSE(check(map, shop2, as("walk-in", Role::kService)).has_value());
  // shop1 has its own identity and the account-wide one
  CHECK(check(map, Sender{"BACKEND", "shop1"}, as("walk-in", Role::kCustomer)).has_value());
}

TEST_CASE("the inventory account may act as its staff actor only", "[actor_map]") {
  const ActorMap map = map_of(kMap);
  const Sender inventory{"INVENTORY", "stock-app"};
  CHECK(check(map, inventory, as("inventory-svc", Role::kStaff)).has_value());
  CHECK_FALSE(check(map, inventory, as("someone", Role::kStaff)).has_value());
  CHECK_FALSE(check(map, inventory, as("inventory-svc", Role::kService)).has_value());
  CHECK_FALSE(check(map, inventory, as("inventory-svc", Role::kCustomer)).has_value());
}

TEST_CASE("a sender no identity matches may claim nothing", "[actor_map]") {
  const ActorMap map = map_of(kMap);
  for (const Sender& sender :
       {Sender{"OTHER", "shop1"}, Sender{"backend", "shop1"}, Sender{"INVENTORYX", ""}}) {
    Status s = check(map, sender, as("alice", Role::kCustomer));
    REQUIRE_FALSE(s.has_value());
    CHECK(s.error().code == ErrorCode::kForbidden);
    CHECK_THAT(s.error().message, Catch::Contains("no identity in the actor map matches it") &&
                                      Catch::Contains("'" + sender.account + "'"));
  }
}

TEST_CASE("the own account is trusted or forbidden as the map says", "[actor_map]") {
  const Sender own{};
  CHECK(check(map_of(kMap), own, as("anyone", Role::kStaff)).has_value());
  Status forbidden = check(map_of(R"({"own_account": "forbid", "identities": []})"), own,
                           as("anyone", Role::kStaff));
  REQUIRE_FALSE(forbidden.has_value());
  CHECK(forbidden.error().code == ErrorCode::kForbidden);
  CHECK_THAT(forbidden.error().message, Catch::Contains("own_account: forbid"));
}

}  // namespace actor_map_test
}  // namespace stockroom::nats_adapter
