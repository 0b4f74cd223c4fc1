#include "adapters/nats/actor_map.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

namespace stockroom::nats_adapter {
namespace {

using Json = rapidjson::Value;

std::unexpected<Error> invalid(std::string_view source, const std::string& problem) {
  return fail(ErrorCode::kInvalidArgument, fmt::format("actor map {}: {}", source, problem));
}

std::optional<Role> role_of(std::string_view name) {
  for (Role role : {Role::kCustomer, Role::kStaff, Role::kService}) {
    if (role_name(role) == name) return role;
  }
  return std::nullopt;
}

std::string_view view_of(const Json& s) { return {s.GetString(), s.GetStringLength()}; }

// The non-empty array of strings at `key` of `entry`; `where` names the entry.
Result<std::vector<std::string_view>> strings_at(const Json& entry, const char* key,
                                                 std::string_view source,
                                                 const std::string& where) {
  const auto it = entry.FindMember(key);
  if (it == entry.MemberEnd() || !it->value.IsArray() || it->value.Empty()) {
    return invalid(source,
                   fmt::format("{}: \"{}\" must be a non-empty array of strings", where, key));
  }
  std::vector<std::string_view> out;
  for (const Json& v : it->value.GetArray()) {
    if (!v.IsString()) {
      return invalid(source, fmt::format("{}: \"{}\" must hold strings only", where, key));
    }
    out.push_back(view_of(v));
  }
  return out;
}

Result<std::string> name_at(const Json& entry, const char* key, std::string_view source,
                            const std::string& where) {
  const auto it = entry.FindMember(key);
  if (it == entry.MemberEnd() || !it->value.IsString() || it->value.GetStringLength() == 0) {
    return invalid(source, fmt::format("{}: \"{}\" must be a non-empty string", where, key));
  }
  return std::string(view_of(it->value));
}

Status only_keys(const Json& object, std::initializer_list<std::string_view> keys,
                 std::string_view source, const std::string& where) {
  for (const auto& m : object.GetObject()) {
    const std::string_view key = view_of(m.name);
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      return invalid(source, fmt::format("{}: unknown key \"{}\"", where, key));
    }
  }
  return {};
}

Result<ActorIdentity> identity_of(const Json& entry, size_t index, std::string_view source) {
  const std::string where = fmt::format("identities[{}]", index);
  if (!entry.IsObject()) return invalid(source, where + " must be an object");
  if (Status keys = only_keys(entry, {"account", "user", "roles", "actors"}, source, where);
      !keys) {
    return std::unexpected(keys.error());
  }
  ActorIdentity identity;
  Result<std::string> account = name_at(entry, "account", source, where);
  if (!account) return std::unexpected(account.error());
  identity.account = std::move(*account);
  if (entry.HasMember("user")) {
    Result<std::string> user = name_at(entry, "user", source, where);
    if (!user) return std::unexpected(user.error());
    identity.user = std::move(*user);
  }
  Result<std::vector<std::string_view>> roles = strings_at(entry, "roles", source, where);
  if (!roles) return std::unexpected(roles.error());
  for (std::string_view name : *roles) {
    const std::optional<Role> role = role_of(name);
    if (!role) {
      return invalid(
          source, fmt::format("{}: unknown role \"{}\" (customer, staff or service)", where, name));
    }
    identity.roles.push_back(*role);
  }
  Result<std::vector<std::string_view>> actors = strings_at(entry, "actors", source, where);
  if (!actors) return std::unexpected(actors.error());
  for (std::string_view id : *actors) {
    if (id != "*" && !is_valid_id(id)) {
      return invalid(source, fmt::format("{}: actor \"{}\" is neither \"*\" nor 1-64 characters "
                                         "of [A-Za-z0-9_-]",
                                         where, id));
    }
    identity.any_actor = identity.any_actor || id == "*";
    identity.actors.emplace_back(id);
  }
  return identity;
}

bool same_sender(const ActorIdentity& a, const ActorIdentity& b) {
  return a.account == b.account && a.user == b.user;
}

bool matches(const ActorIdentity& identity, const Sender& sender) {
  return identity.account == sender.account && (!identity.user || *identity.user == sender.user);
}

bool allows_role(const ActorIdentity& identity, Role role) {
  return std::find(identity.roles.begin(), identity.roles.end(), role) != identity.roles.end();
}

bool allows_id(const ActorIdentity& identity, const ActorId& id) {
  return identity.any_actor || std::find(identity.actors.begin(), identity.actors.end(),
                                         id.str()) != identity.actors.end();
}

std::unexpected<Error> forbidden(const Sender& sender, const Actor& actor, std::string message) {
  return fail(ErrorCode::kForbidden, std::move(message),
              {{"account", sender.account},
               {"user", sender.user},
               {"actor", actor.id.str()},
               {"role", std::string(role_name(actor.role))}});
}

// SAX reading of the header: the top-level "acc" and "user" strings, nothing else
// kept (no DOM: this runs once per command when a map is configured).
struct RequestInfoReader : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, RequestInfoReader> {
  Sender sender;
  bool has_account = false;
  int depth = 0;
  std::string* next = nullptr;  // the field the next top-level string value fills

  bool Default() {
    next = nullptr;
    return true;
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    if (next != nullptr) next->assign(s, n);
    has_account = has_account || next == &sender.account;
    next = nullptr;
    return true;
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    const std::string_view key(s, n);
    next = depth != 1      ? nullptr
           : key == "acc"  ? &sender.account
           : key == "user" ? &sender.user
                           : nullptr;
    return true;
  }
  bool StartObject() {
    next = nullptr;
    ++depth;
    return true;
  }
  bool EndObject(rapidjson::SizeType) {
    --depth;
    return true;
  }
  bool StartArray() { return StartObject(); }
  bool EndArray(rapidjson::SizeType n) { return EndObject(n); }
};

}  // namespace

Result<ActorMap> parse_actor_map(std::string_view json, std::string_view source) {
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError()) {
    return invalid(source, fmt::format("not JSON at offset {}: {}", d.GetErrorOffset(),
                                       rapidjson::GetParseError_En(d.GetParseError())));
  }
  if (!d.IsObject()) return invalid(source, "must be a JSON object");
  if (Status keys = only_keys(d, {"own_account", "identities"}, source, "top level"); !keys) {
    return std::unexpected(keys.error());
  }
  ActorMap map;
  const auto own = d.FindMember("own_account");
  if (own == d.MemberEnd() || !own->value.IsString() ||
      (view_of(own->value) != "trust" && view_of(own->value) != "forbid")) {
    return invalid(source,
                   "\"own_account\" must be \"trust\" (requests from within the engine's own "
                   "NATS account are allowed any actor) or \"forbid\"");
  }
  map.trust_own_account = view_of(own->value) == "trust";
  const auto identities = d.FindMember("identities");
  if (identities == d.MemberEnd() || !identities->value.IsArray()) {
    return invalid(source, "\"identities\" must be an array");
  }
  for (const Json& entry : identities->value.GetArray()) {
    Result<ActorIdentity> identity = identity_of(entry, map.identities.size(), source);
    if (!identity) return std::unexpected(identity.error());
    for (const ActorIdentity& seen : map.identities) {
      if (same_sender(seen, *identity)) {
        return invalid(source, fmt::format("identities[{}]: account \"{}\" {} is listed twice",
                                           map.identities.size(), identity->account,
                                           identity->user ? "user \"" + *identity->user + "\""
                                                          : std::string("(any user)")));
      }
    }
    map.identities.push_back(std::move(*identity));
  }
  return map;
}

Result<ActorMap> load_actor_map(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalid(path, fmt::format("cannot read: {}", std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return invalid(path, "cannot read");
  return parse_actor_map(text.str(), path);
}

Result<Sender> sender_of(std::optional<std::string_view> header) {
  if (!header) return Sender{};
  RequestInfoReader handler;
  rapidjson::Reader reader;
  rapidjson::MemoryStream bytes(header->data(), header->size());
  const rapidjson::ParseResult parsed = reader.Parse(bytes, handler);
  if (parsed.IsError() || !handler.has_account || handler.sender.account.empty()) {
    return fail(ErrorCode::kForbidden,
                "the Nats-Request-Info header is not the server's JSON with an account: the "
                "sender cannot be known");
  }
  return std::move(handler.sender);
}

Status check_sender(const ActorMap& map, const Sender& sender, const Actor& actor) {
  if (sender.own_account()) {
    if (map.trust_own_account) return {};
    return forbidden(sender, actor,
                     fmt::format("a command from within the engine's own NATS account (no {} "
                                 "header) may not act as {} '{}': the actor map says "
                                 "own_account: forbid",
                                 kRequestInfoHeader, role_name(actor.role), actor.id.str()));
  }
  bool known = false, role_ok = false;
  for (const ActorIdentity& identity : map.identities) {
    if (!matches(identity, sender)) continue;
    known = true;
    if (!allows_role(identity, actor.role)) continue;
    role_ok = true;
    if (allows_id(identity, actor.id)) return {};
  }
  const std::string who =
      sender.user.empty() ? fmt::format("NATS account '{}' (no user named)", sender.account)
                          : fmt::format("NATS account '{}' user '{}'", sender.account, sender.user);
  if (!known) {
    return forbidden(sender, actor,
                     fmt::format("{} may not send commands: no identity in the actor map matches "
                                 "it (it claimed {} '{}')",
                                 who, role_name(actor.role), actor.id.str()));
  }
  return forbidden(
      sender, actor,
      role_ok ? fmt::format("{} may not act as {} '{}': the actor map does not "
                            "list that actor id for it",
                            who, role_name(actor.role), actor.id.str())
              : fmt::format("{} may not act as {} '{}': the actor map does not "
                            "give it the role {}",
                            who, role_name(actor.role), actor.id.str(), role_name(actor.role)));
}

}  // namespace stockroom::nats_adapter
