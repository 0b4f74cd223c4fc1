// `stockroom checkpoint --data DIR <dir>`: a consistent copy of a data directory
// (docs/storage.md, "Checkpoints"). When no process holds DIR the command copies it
// itself; when a running serve holds it (RocksDB's LOCK), it asks that serve over
// NATS on `<p>.admin.checkpoint` (docs/api.md, "Admin subjects").
#include "events/checkpoint.h"

#include <fmt/format.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "adapters/cli/subcommands.h"
#include "adapters/nats/client.h"
#include "adapters/wire/admin.h"

namespace stockroom::cli {
namespace {

struct CheckpointArgs {
  std::string data;
  std::string target;
  std::string prefix = "stockroom";
  int timeout_ms = 60'000;
  nats_adapter::ConnectOptions connect;
};

int refused(std::string_view message) {
  fmt::print(stderr, "stockroom checkpoint: {}\n", message);
  return 1;
}

// The real path of `path`, or its absolute form when it cannot be resolved.
std::string real_path(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path canonical = std::filesystem::weakly_canonical(path, ec);
  return ec ? std::filesystem::absolute(path, ec).string() : canonical.string();
}

void print_done(const std::string& data, const std::string& dir, uint64_t position,
                std::string_view hash, std::string_view how) {
  fmt::print("checkpoint of {} written to {} ({}): head position {}, hash {}\n", data, dir, how,
             position, hash);
}

// DIR is held by a running serve: ask it, over NATS, to write the checkpoint.
int ask_serve(const CheckpointArgs& a, const std::string& data, const std::string& target) {
  auto client = nats_adapter::Client::connect(a.connect);
  if (!client) {
    return refused(fmt::format(
        "{} is in use by a running serve, and NATS at {} cannot be reached ({}): pass the --nats "
        "URL that serve uses",
        data, a.connect.url, client.error().message));
  }
  std::string body;
  wire::checkpoint_request_json({data, target}, body);
  const std::string subject = a.prefix + "." + std::string(wire::kCheckpointSubject);
  auto reply = (*client)->request(subject, body, {}, std::chrono::milliseconds(a.timeout_ms));
  if (!reply) {
    return refused(fmt::format(
        "{} is in use by a running serve, and no serve on {} with prefix {} answered for it "
        "within {} ms ({}): pass the --nats and --prefix that serve uses, or a longer "
        "--timeout-ms",
        data, a.connect.url, a.prefix, a.timeout_ms, reply.error().message));
  }
  auto decoded = wire::decode_checkpoint_reply(reply->data);
  if (!decoded) return refused("the serve's reply is not understood: " + reply->data);
  if (!decoded->ok) {
    return refused(fmt::format("the serve holding {} refused: {}: {}", data, decoded->error_code,
                               decoded->error_message));
  }
  print_done(data, decoded->dir, decoded->position, decoded->hash, "by the serve running on it");
  return 0;
}

int run_checkpoint(const CheckpointArgs& a) {
  const std::string data = real_path(a.data);
  const std::string target = real_path(a.target);
  if (Status ok = events::check_checkpoint_target(target); !ok) {
    return refused(ok.error().message);
  }
  Result<events::Head> head = events::checkpoint_closed_log(data, target);
  if (head) {
    print_done(data, target, head->position.value, events::to_hex(head->hash), "offline");
    return 0;
  }
  if (events::is_locked(head.error())) return ask_serve(a, data, target);
  if (head.error().code == ErrorCode::kNotFound) {
    return refused(head.error().message + ": give --data the directory serve uses");
  }
  return refused(head.error().message);
}

}  // namespace

Runner add_checkpoint(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "checkpoint",
      "write a consistent copy of a data directory (hard links), also while serve runs on it");
  auto a = std::make_shared<CheckpointArgs>();
  a->connect.name = "stockroom-checkpoint";
  sub->add_option("dir", a->target, "where the copy goes: a new or empty directory")->required();
  sub->add_option("--data", a->data, "the data directory to copy")->required();
  sub->add_option("--nats", a->connect.url,
                  "NATS server URL, to ask the serve that holds --data (if one does)")
      ->envname("STOCKROOM_NATS")
      ->capture_default_str();
  sub->add_option("--prefix", a->prefix, "subject prefix of that serve")
      ->envname("STOCKROOM_PREFIX")
      ->capture_default_str();
  sub->add_option("--timeout-ms", a->timeout_ms, "how long to wait for that serve's copy")
      ->check(CLI::Range(1, 3'600'000))
      ->capture_default_str();
  sub->add_option("--nats-user", a->connect.user, "NATS user")->envname("STOCKROOM_NATS_USER");
  sub->add_option("--nats-password", a->connect.password, "NATS password")
      ->envname("STOCKROOM_NATS_PASSWORD");
  sub->add_option("--nats-token", a->connect.token, "NATS token")->envname("STOCKROOM_NATS_TOKEN");
  sub->add_option("--nats-creds", a->connect.creds_file, "NATS credentials file")
      ->envname("STOCKROOM_NATS_CREDS");
  return [a] { return run_checkpoint(*a); };
}

}  // namespace stockroom::cli
