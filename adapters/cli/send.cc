// `stockroom send <subject> <json>`: one command or query over NATS, the reply on
// stdout (like a typed `nats req`). The subject may be given whole
// ("stockroom.cmd.cart.open") or without the prefix ("cmd.cart.open"); a command or a
// query on one aggregate is sent on its keyed subject ("cmd.cart.open.<cart_id>"), the
// key read from the body, unless the subject names a key already.
#include <fmt/format.h>
#include <rapidjson/document.h>

#include <memory>
#include <string>

#include "adapters/cli/nats_flags.h"
#include "adapters/cli/stdout_sink.h"
#include "adapters/cli/subcommands.h"
#include "adapters/nats/client.h"
#include "adapters/wire/keyed_subject.h"

namespace stockroom::cli {
namespace {

struct SendArgs {
  std::string subject;
  std::string body;
  nats_adapter::ConnectOptions connect;
  std::string prefix = "stockroom";
  int timeout_ms = 5000;
};

// Whether a reply is a refusal, {"ok":false,...}: the member is looked up, not the
// reply's first bytes, as a cluster's reply starts with "partition".
bool refused(const std::string& reply) {
  rapidjson::Document doc;
  doc.Parse(reply.data(), reply.size());
  if (doc.HasParseError() || !doc.IsObject()) return false;
  const auto ok = doc.FindMember("ok");
  return ok != doc.MemberEnd() && ok->value.IsFalse();
}

int run_send(const SendArgs& a) {
  nats_adapter::ConnectOptions options = a.connect;
  options.name = "stockroom-send";
  auto client = nats_adapter::Client::connect(options);
  if (!client) {
    fmt::print(stderr, "stockroom send: {}\n", client.error().message);
    return 1;
  }
  // Commands and per-aggregate queries go on their keyed subject (nats-api.md), the key
  // read from the body, so that a cluster routes them.
  const std::string tail =
      a.subject.starts_with(a.prefix + ".") ? a.subject.substr(a.prefix.size() + 1) : a.subject;
  const std::string subject = a.prefix + "." + wire::keyed_subject_tail(tail, a.body);
  auto reply = (*client)->request(subject, a.body, {}, std::chrono::milliseconds(a.timeout_ms));
  if (!reply) {
    // A refusal by the server's permissions is not a missing serve.
    fmt::print(
        stderr, "stockroom send: {}: {}{}\n", subject, reply.error().message,
        reply.error().code == ErrorCode::kForbidden ? "" : " (is `stockroom serve` running?)");
    return 1;
  }
  // A closed pipe (`send ... | head -c 100`) is a failed write, not an abort.
  if (Status written = write_stdout(reply->data + "\n"); !written) {
    fmt::print(stderr, "stockroom send: {}\n", written.error().message);
    return 1;
  }
  // A refusal is {"ok":false,...}: exit 1 as cli.md asks for a refused operation.
  return refused(reply->data) ? 1 : 0;
}

}  // namespace

Runner add_send(CLI::App& app) {
  auto* sub = app.add_subcommand("send", "send one command or query over NATS and print the reply");
  auto a = std::make_shared<SendArgs>();
  sub->add_option(
         "subject", a->subject,
         "e.g. cmd.cart.open or stockroom.query.stock (the key token is added from the body)")
      ->required();
  sub->add_option("json", a->body, "the request body")->required();
  sub->add_option("--nats", a->connect.url, "NATS server URL")
      ->envname("STOCKROOM_NATS")
      ->capture_default_str();
  sub->add_option("--prefix", a->prefix, "subject prefix")
      ->envname("STOCKROOM_PREFIX")
      ->capture_default_str();
  sub->add_option("--timeout-ms", a->timeout_ms, "how long to wait for the reply")
      ->check(CLI::Range(1, 600'000));
  add_nats_auth_flags(*sub, a->connect);
  return [a] { return run_send(*a); };
}

}  // namespace stockroom::cli
