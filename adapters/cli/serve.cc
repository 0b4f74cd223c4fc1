// `stockroom serve`: the engine on NATS with HTTP health and metrics (cli.md).
//
// Config: flags, or STOCKROOM_<NAME> in the environment, or the TOML file given with
// `stockroom --config FILE serve` (or STOCKROOM_CONFIG), keys under [serve] named as
// the flags: data = "/var/lib/stockroom", nats = "...". CLI11 reads config files for
// the main app only, hence the section. A flag beats the file, which beats the
// environment (CLI11's order).
#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "adapters/audit/key_file.h"
#include "adapters/cli/nats_flags.h"
#include "adapters/cli/subcommands.h"
#include "adapters/cluster/cluster_node.h"
#include "adapters/nats/service.h"
#include "adapters/ops/http_server.h"
#include "adapters/ops/json_log.h"
#include "adapters/ops/metrics.h"
#include "engine/engine.h"
#include "events/data_dir.h"

namespace stockroom::cli {
namespace {

struct ServeConfig {
  std::string data = "stockroom-data";
  std::string http = "127.0.0.1:8223";
  std::string durability = "sync";
  int64_t reservation_ttl_s = 900;
  size_t max_cart_lines = engine::EngineOptions{}.max_cart_lines;
  int64_t drain_timeout_s = 30;
  std::string signing_key;  // empty: audit::default_signing_key_path(data)
  int64_t head_interval_s = 10;
  // The writer's queue (EngineOptions::max_queued_*): about 0.15 s of work at the
  // ~14,000 commands/s serve answers over NATS (docs/benchmarks.md), so what is
  // accepted under overload is answered within a few times the nominal p99.
  size_t max_queued_commands = 2048;
  size_t max_queued_command_bytes = 8 * 1024 * 1024;
  size_t max_queued_query_bytes = 16 * 1024 * 1024;  // per query lane
  int64_t query_deadline_ms = 1000;
  nats_adapter::ServiceOptions service;
  // Cluster mode (cli.md "Cluster mode", docs/scale-out.md).
  bool cluster = false;
  std::string node_id;  // default: host name and pid
  uint32_t partitions = 4;
  int replicas = 3;
  int standbys = 1;
  int64_t lease_ttl_s = 10;
  std::string actor_map;  // --actor-map: empty binds no actors
};

events::Durability durability_of(const std::string& name) {
  if (name == "batch") return events::Durability::kBatch;
  if (name == "none") return events::Durability::kNone;
  return events::Durability::kSync;
}

// Blocks SIGTERM/SIGINT in this thread and every thread it starts later, so that
// sigwait() below is the only place they are seen.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

// Loads (or, on first start, creates) the signing key and says which public key
// checks this serve's heads. nullopt after printing why it cannot.
std::optional<audit::SigningKey> open_key(const ServeConfig& c, ops::JsonLog& log) {
  Result<std::string> path =
      c.signing_key.empty() ? audit::default_signing_key_path(c.data) : c.signing_key;
  Result<audit::KeyFile> file =
      path ? audit::open_signing_key(*path) : Result<audit::KeyFile>(std::unexpected(path.error()));
  if (!file) {
    log.error("signing_key_failed", {{"message", file.error().message}});
    fmt::print(stderr, "stockroom serve: {}\n", file.error().message);
    return std::nullopt;
  }
  const audit::PublicKey& public_key = file->key.public_key();
  log.info("signing_key", {{"file", file->path},
                           {"created", file->created},
                           {"public_key_file", file->public_path},
                           {"key_id", public_key.key_id()},
                           {"public_key_hex", events::to_hex(public_key.raw())}});
  if (file->readable_by_others) {
    log.warn("signing_key_readable",
             {{"file", file->path}, {"message", "group or others may read the private key"}});
  }
  return file->key;
}

engine::EngineOptions engine_options(const ServeConfig& c, ops::JsonLog& log) {
  engine::EngineOptions options;
  options.data_dir = c.data;
  options.durability = durability_of(c.durability);
  options.reservation_ttl = Duration{c.reservation_ttl_s * 1'000'000};
  options.max_queued_commands = c.max_queued_commands;
  options.max_queued_bytes = c.max_queued_command_bytes;
  options.max_cart_lines = c.max_cart_lines;
  options.on_expiry_check_failure = [&log](const Error& e) {
    log.warn("expiry_check_failed", {{"reason", e.message}, {"code", error_code_name(e.code)}});
  };
  return options;
}

// --actor-map FILE (docs/security.md, "Actor binding"), loaded once at start into `o`.
// False after saying in one line why the file does not load (serve exits 1).
bool load_actors(const ServeConfig& c, nats_adapter::ServiceOptions& o, ops::JsonLog& log) {
  if (c.actor_map.empty()) return true;
  Result<nats_adapter::ActorMap> map = nats_adapter::load_actor_map(c.actor_map);
  if (!map) {
    log.error("actor_map_failed", {{"message", map.error().message}});
    fmt::print(stderr, "stockroom serve: --actor-map: {}\n", map.error().message);
    return false;
  }
  log.info("actor_map", {{"file", c.actor_map},
                         {"identities", uint64_t{map->identities.size()}},
                         {"own_account", map->trust_own_account ? "trust" : "forbid"}});
  o.actors = std::move(*map);
  return true;
}

// The service options every partition (or the single node) shares.
nats_adapter::ServiceOptions service_options_of(const ServeConfig& c) {
  nats_adapter::ServiceOptions o = c.service;
  o.head_interval = std::chrono::seconds(c.head_interval_s);
  o.point_queries.max_queued_bytes = c.max_queued_query_bytes;
  o.long_queries.max_queued_bytes = c.max_queued_query_bytes;
  o.long_queries.deadline = std::chrono::milliseconds(c.query_deadline_ms);
  return o;
}

std::string default_node_id() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "node");
  std::string id = fmt::format("{}-{}", host, ::getpid());
  // A KV key allows [-/_=.a-zA-Z0-9]; keep ids to the id alphabet.
  for (char& ch : id) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_') ch = '-';
  }
  return id;
}

// serve --cluster: this process's share of the partitions (adapters/cluster).
int run_cluster(const ServeConfig& c, const sigset_t& stop_signals) {
  ops::JsonLog log;
  ops::Registry registry;
  if (std::optional<Error> problem = events::data_dir_problem(c.data, false)) {
    fmt::print(stderr, "stockroom serve: cannot open the data directory: {}\n", problem->message);
    return 1;
  }
  cluster::ClusterOptions o;
  o.connect = c.service.connect;
  o.prefix = c.service.prefix;
  o.node_id = c.node_id.empty() ? default_node_id() : c.node_id;
  o.partitions = c.partitions;
  o.replicas = c.replicas;
  o.standbys = c.standbys;
  o.lease_ttl = std::chrono::seconds(c.lease_ttl_s);
  o.data_dir = c.data;
  o.engine = engine_options(c, log);
  o.service = service_options_of(c);
  if (!load_actors(c, o.service, log)) return 1;
  o.service.signing_key = open_key(c, log);
  if (!o.service.signing_key) return 1;
  auto node = cluster::ClusterNode::start(std::move(o), registry, log);
  if (!node) {
    log.error("cluster_join_failed", {{"message", node.error().message}});
    fmt::print(stderr, "stockroom serve --cluster: {}\n", node.error().message);
    return 1;
  }
  std::unique_ptr<ops::HttpServer> http;
  if (c.http != "off") {
    cluster::ClusterNode* n = node->get();
    auto started = ops::HttpServer::start(
        c.http, ops::HttpHandlers{[n] { return n->ready(); },
                                  [n, &registry] {
                                    n->refresh_metrics();
                                    return registry.render();
                                  },
                                  [&log](std::string_view what) {
                                    log.error("http_error", {{"message", std::string(what)}});
                                  },
                                  [n] { return n->describe(); }});
    if (!started) {
      fmt::print(stderr, "stockroom serve: --http {}: {}\n", c.http, started.error().message);
      return 1;
    }
    http = std::move(*started);
    log.info("http_listening", {{"address", c.http}, {"port", int64_t{http->port()}}});
  }
  int signal = 0;
  sigwait(&stop_signals, &signal);
  log.info("stopping", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"},
                        {"partitions", (*node)->describe()}});
  const bool drained = (*node)->stop(std::chrono::seconds(c.drain_timeout_s));
  if (http) http->stop();
  node->reset();
  log.info("stopped", {{"drained", drained}});
  return drained ? 0 : 1;
}

int run_serve(const ServeConfig& c) {
  const sigset_t stop_signals = block_stop_signals();
  if (c.cluster) return run_cluster(c, stop_signals);
  ops::JsonLog log;
  ops::Registry registry;

  // A path that cannot become a data directory is said first, in its own words: the
  // signing key beside it would fail too, less clearly.
  if (std::optional<Error> problem = events::data_dir_problem(c.data, false)) {
    log.error("engine_open_failed", {{"data", c.data}, {"message", problem->message}});
    fmt::print(stderr, "stockroom serve: cannot open the data directory: {}\n", problem->message);
    return 1;
  }
  nats_adapter::ServiceOptions service_options = service_options_of(c);
  if (!load_actors(c, service_options, log)) return 1;
  service_options.signing_key = open_key(c, log);
  if (!service_options.signing_key) return 1;
  auto service = nats_adapter::Service::connect(service_options, registry, log);
  if (!service) {
    log.error("nats_config", {{"message", service.error().message}});
    fmt::print(stderr, "stockroom serve: {}\n", service.error().message);
    return 1;
  }

  engine::EngineOptions options = engine_options(c, log);
  options.on_commit = (*service)->commit_listener();
  options.on_fault = (*service)->fault_listener();
  const auto opening = std::chrono::steady_clock::now();
  auto engine = engine::Engine::open(options);
  if (!engine) {
    log.error("engine_open_failed", {{"data", c.data}, {"message", engine.error().message}});
    // The message names the path and what is wrong with it (events/internal/open_failure.h).
    fmt::print(stderr, "stockroom serve: cannot open the data directory: {}\n",
               engine.error().message);
    return 1;
  }
  log.info("engine_open",
           {{"data", c.data},
            {"durability", c.durability},
            {"max_cart_lines", uint64_t{c.max_cart_lines}},
            {"head", (*engine)->head().position.value},
            {"seconds",
             std::chrono::duration<double>(std::chrono::steady_clock::now() - opening).count()}});

  if (auto s = (*service)->start(**engine); !s) {
    fmt::print(stderr, "stockroom serve: {}\n", s.error().message);
    return 1;
  }

  std::unique_ptr<ops::HttpServer> http;
  if (c.http != "off") {
    nats_adapter::Service* svc = service->get();
    auto started = ops::HttpServer::start(
        c.http, ops::HttpHandlers{[svc] { return svc->ready(); },
                                  [svc, &registry] {
                                    svc->refresh_metrics();
                                    return registry.render();
                                  },
                                  [&log](std::string_view what) {
                                    log.error("http_error", {{"message", std::string(what)}});
                                  }});
    if (!started) {
      fmt::print(stderr, "stockroom serve: --http {}: {}\n", c.http, started.error().message);
      (void)(*service)->drain(std::chrono::seconds(1));  // before the engine closes
      return 1;
    }
    http = std::move(*started);
    log.info("http_listening", {{"address", c.http}, {"port", int64_t{http->port()}}});
  }

  int signal = 0;
  sigwait(&stop_signals, &signal);
  log.info("stopping", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
  const bool drained = (*service)->drain(std::chrono::seconds(c.drain_timeout_s));
  if (http) http->stop();
  engine->reset();  // finishes the writer, closes RocksDB
  service->reset();
  log.info("stopped", {{"drained", drained}});
  return drained ? 0 : 1;
}

}  // namespace

Runner add_serve(CLI::App& app) {
  auto* sub = app.add_subcommand("serve", "run the engine on NATS, with HTTP health and metrics");
  auto c = std::make_shared<ServeConfig>();
  auto opt = [&](const char* flag, auto& target, const char* env, const char* help) {
    return sub->add_option(flag, target, help)->envname(env)->capture_default_str();
  };
  opt("--data", c->data, "STOCKROOM_DATA", "data directory (created)");
  opt("--nats", c->service.connect.url, "STOCKROOM_NATS",
      "NATS server URL (with --cluster: a comma-separated list)");
  opt("--prefix", c->service.prefix, "STOCKROOM_PREFIX", "subject prefix")
      ->check([](const std::string& p) {
        return p.empty() || p.find_first_of(" *>") != std::string::npos ? "not a subject prefix"
                                                                        : "";
      });
  opt("--http", c->http, "STOCKROOM_HTTP", "HTTP health/metrics address, or off");
  opt("--durability", c->durability, "STOCKROOM_DURABILITY", "sync, batch or none")
      ->check(CLI::IsMember({"sync", "batch", "none"}));
  opt("--reservation-ttl", c->reservation_ttl_s, "STOCKROOM_RESERVATION_TTL",
      "seconds an unpaid order holds its stock")
      ->check(CLI::Range(int64_t{1}, int64_t{30} * 24 * 3600));
  opt("--max-cart-lines", c->max_cart_lines, "STOCKROOM_MAX_CART_LINES",
      "lines one cart may hold; a new line beyond is AMOUNT_EXCEEDED")
      ->check(CLI::Range(size_t{1}, size_t{1'000'000}));
  opt("--max-payload", c->service.max_payload, "STOCKROOM_MAX_PAYLOAD", "largest request in bytes")
      ->check(CLI::Range(size_t{256}, size_t{64} * 1024 * 1024));
  opt("--drain-timeout", c->drain_timeout_s, "STOCKROOM_DRAIN_TIMEOUT",
      "seconds to finish in-flight requests on SIGTERM")
      ->check(CLI::Range(int64_t{1}, int64_t{3600}));
  opt("--signing-key", c->signing_key, "STOCKROOM_SIGNING_KEY",
      "Ed25519 private key (PEM) that signs heads; created if absent, public key in FILE.pub "
      "(default: <data>.signing-key.pem beside the data directory)");
  opt("--head-interval", c->head_interval_s, "STOCKROOM_HEAD_INTERVAL",
      "seconds between signed heads on <prefix>.audit.head")
      ->check(CLI::Range(int64_t{1}, int64_t{24} * 3600));
  opt("--max-queued-commands", c->max_queued_commands, "STOCKROOM_MAX_QUEUED_COMMANDS",
      "commands waiting for the writer at most; beyond: UNAVAILABLE at once (busy)")
      ->check(CLI::Range(size_t{1}, size_t{10'000'000}));
  opt("--max-queued-command-bytes", c->max_queued_command_bytes,
      "STOCKROOM_MAX_QUEUED_COMMAND_BYTES",
      "bytes of commands waiting for the writer at most; beyond: UNAVAILABLE at once (busy)")
      ->check(CLI::Range(size_t{64} * 1024, size_t{16} * 1024 * 1024 * 1024));
  opt("--max-queued-queries", c->service.point_queries.max_queued, "STOCKROOM_MAX_QUEUED_QUERIES",
      "point queries (order, stock, rating, cart, head) waiting at most; beyond: UNAVAILABLE")
      ->check(CLI::Range(size_t{1}, size_t{10'000'000}));
  opt("--max-queued-long-queries", c->service.long_queries.max_queued,
      "STOCKROOM_MAX_QUEUED_LONG_QUERIES",
      "long queries (history, events, as_of, verify, checkpoint) waiting at most; beyond: "
      "UNAVAILABLE")
      ->check(CLI::Range(size_t{1}, size_t{1'000'000}));
  opt("--max-queued-query-bytes", c->max_queued_query_bytes, "STOCKROOM_MAX_QUEUED_QUERY_BYTES",
      "bytes of queries waiting at most, per lane; beyond: UNAVAILABLE")
      ->check(CLI::Range(size_t{64} * 1024, size_t{16} * 1024 * 1024 * 1024));
  opt("--point-query-workers", c->service.point_queries.workers, "STOCKROOM_POINT_QUERY_WORKERS",
      "threads answering point queries")
      ->check(CLI::Range(1, 64));
  opt("--query-workers", c->service.long_queries.workers, "STOCKROOM_QUERY_WORKERS",
      "threads answering long queries")
      ->check(CLI::Range(1, 64));
  opt("--query-deadline-ms", c->query_deadline_ms, "STOCKROOM_QUERY_DEADLINE_MS",
      "milliseconds from receipt after which verify and a filtered events scan stop and "
      "reply with how far they got")
      ->check(CLI::Range(int64_t{10}, int64_t{3'600'000}));
  opt("--queue-group", c->service.queue_group, "STOCKROOM_QUEUE_GROUP", "NATS queue group");
  add_nats_auth_flags(*sub, c->service.connect);
  opt("--actor-map", c->actor_map, "STOCKROOM_ACTOR_MAP",
      "JSON file of which actors each NATS account/user may claim; others: FORBIDDEN "
      "(docs/security.md)");
  sub->add_flag("--cluster", c->cluster,
                "serve partitions of a cluster on NATS with JetStream (docs/scale-out.md)")
      ->envname("STOCKROOM_CLUSTER");
  opt("--node-id", c->node_id, "STOCKROOM_NODE_ID",
      "this process's id in the cluster (default: host name and pid)")
      ->check([](const std::string& id) {
        return is_valid_id(id) ? "" : "1-64 characters of [A-Za-z0-9_-]";
      });
  opt("--partitions", c->partitions, "STOCKROOM_PARTITIONS",
      "partitions, used when the cluster is created; another count later is refused")
      ->check(CLI::Range(1u, 1024u));
  opt("--replicas", c->replicas, "STOCKROOM_REPLICAS", "JetStream replicas of each stream")
      ->check(CLI::Range(1, 5));
  opt("--standbys", c->standbys, "STOCKROOM_STANDBYS", "hot standbys kept per partition")
      ->check(CLI::Range(0, 16));
  opt("--lease-ttl", c->lease_ttl_s, "STOCKROOM_LEASE_TTL",
      "seconds a partition's lease lasts without renewal")
      ->check(CLI::Range(int64_t{3}, int64_t{600}));
  return [c] { return run_serve(*c); };
}

}  // namespace stockroom::cli
