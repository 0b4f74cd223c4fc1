// pg_bench: the event store many teams build on PostgreSQL, measured with the engine's
// own workloads.
//
// The store: one table of events with a gap-free global position, a table of stream
// versions (the expected-version check), and a table of command ids (idempotency).
// One command is one transaction on its own connection, closed loop:
//
//   BEGIN
//   INSERT INTO commands (command_id) ... ON CONFLICT DO NOTHING   -- 0 rows: duplicate
//   SELECT stream, version FROM streams WHERE stream = ANY($1) ORDER BY stream FOR UPDATE
//   UPDATE head SET position = position + n RETURNING position     -- gap-free numbering
//   INSERT INTO events ... (unnest of arrays: all the command's events)
//   UPDATE streams ... / INSERT INTO streams ...                      -- new versions
//   UPDATE commands SET first_position, event_count
//   COMMIT                                                           -- synchronous_commit=on
//
// The row lock on `head` is held from its UPDATE until the commit is durable: appends
// are serialized, as gap-free positions require. The four writes after the stream locks
// go in one statement (data-modifying CTEs), so the serialized part is one round trip
// plus the commit rather than four plus the commit: the store as a careful team writes
// it, not a strawman.
//
// The commands' events are the engine's: before timing, each workload runs through a
// scratch engine (durability none) whose commit listener collects the recorded events,
// grouped by command id into transactions of (stream, type, payload). Refused commands
// record nothing and so are not transactions. A workload's setup (the catalogue) is
// appended untimed; its transactions are then split among the submitters.
//
//   pg_bench --conninfo STR --pg-pid PID [--seconds S] [--concurrency 1,8,64]
//            [--workloads receipts,store_mix] [--out FILE]
//
// scripts/bench-postgres starts a throw-away cluster and prints the two values.
#include <fmt/format.h>
#include <libpq-fe.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/types.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <expected>
#include <filesystem>
#include <fstream>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "adapters/wire/wire.h"
#include "bench/support/measure.h"
#include "bench/support/store_workload.h"
#include "engine/engine.h"

namespace {

using namespace stockroom;
using bench::BenchClock;

template <class T>
using Expected = std::expected<T, std::string>;
using Status = Expected<void>;

constexpr std::string_view kUsage =
    "usage: pg_bench --conninfo STR --pg-pid PID [--seconds S] [--concurrency 1,8,64]\n"
    "                [--workloads receipts,store_mix] [--out FILE]\n"
    "  --conninfo STR   libpq connection string of the server under test\n"
    "  --pg-pid PID     its postmaster (CPU of it and its children is measured)\n"
    "  --seconds S      timed part of each run (default 5)\n"
    "  --concurrency    submitters (one connection each), comma separated (default 1,8,64)\n"
    "  --workloads      receipts, store_mix or both (default both)\n"
    "  --out FILE       append one JSON line per run (bench/support/measure.h)\n"
    "scripts/bench-postgres start DIR prints a throw-away cluster's conninfo and pid.\n";

// The most commands a second this store could plausibly append here, per run: the
// captured transactions must outlast the timed part (a run that exhausts them stops
// early and says so in its note).
constexpr double kPlausibleRate = 6000;
constexpr double kPlausibleRateMany = 12000;  // at 32 submitters and more
constexpr int kManySubmitters = 32;
constexpr int kProducts = 10'000;  // receipts: as engine_bench
constexpr int kMaxRetries = 1000;  // per transaction, before giving up

struct Args {
  std::string conninfo;
  pid_t pg_pid = 0;
  double seconds = 5;
  std::vector<int> concurrency{1, 8, 64};
  std::vector<std::string> workloads{"receipts", "store_mix"};
  std::string out;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::fputs(fmt::format("pg_bench: {}\n{}", message, kUsage).c_str(), stderr);
  std::exit(2);
}

[[noreturn]] void fail(const std::string& message) {
  std::fputs(fmt::format("pg_bench: {}\n", message).c_str(), stderr);
  std::exit(1);
}

std::vector<std::string> split(std::string_view text) {
  std::vector<std::string> parts;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    if (comma != 0) parts.emplace_back(text.substr(0, comma));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return parts;
}

template <class T>
T parse_number(std::string_view option, std::string_view text, T min) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min) {
    usage_error(fmt::format("{} needs a number >= {}, not '{}'", option, min, text));
  }
  return value;
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string_view k = argv[i];
    if (k == "--help" || k == "-h") {
      std::fputs(std::string(kUsage).c_str(), stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) usage_error(fmt::format("{} needs a value", k));
    const std::string_view v = argv[++i];
    if (k == "--conninfo") {
      a.conninfo = v;
    } else if (k == "--pg-pid") {
      a.pg_pid = parse_number<pid_t>(k, v, 1);
    } else if (k == "--seconds") {
      a.seconds = parse_number<double>(k, v, 0.1);
    } else if (k == "--concurrency") {
      a.concurrency.clear();
      for (const auto& c : split(v)) a.concurrency.push_back(parse_number<int>(k, c, 1));
      if (a.concurrency.empty()) usage_error("--concurrency needs at least one value");
    } else if (k == "--workloads") {
      a.workloads = split(v);
      for (const auto& w : a.workloads) {
        if (w != "receipts" && w != "store_mix") usage_error(fmt::format("unknown workload {}", w));
      }
      if (a.workloads.empty()) usage_error("--workloads needs at least one value");
    } else if (k == "--out") {
      a.out = v;
    } else {
      usage_error(fmt::format("unknown option {}", k));
    }
  }
  if (a.conninfo.empty()) usage_error("--conninfo is required");
  if (a.pg_pid == 0) usage_error("--pg-pid is required");
  return a;
}

// --- CPU of the server: the postmaster and its children ------------------------------

struct ProcCpu {
  pid_t ppid = 0;
  double own = 0;       // utime + stime
  double children = 0;  // cutime + cstime: its children that have exited and were reaped
};

std::optional<ProcCpu> proc_cpu(pid_t pid) {
  std::ifstream f(fmt::format("/proc/{}/stat", pid));
  std::string line;
  if (!std::getline(f, line)) return std::nullopt;
  // The command name (field 2) may hold spaces: fields are counted after its ')'.
  const size_t close = line.rfind(')');
  if (close == std::string::npos || close + 2 > line.size()) return std::nullopt;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  unsigned long long ticks[4] = {};
  ProcCpu cpu;
  for (int i = 3; i <= 17 && rest >> field; ++i) {
    if (i == 4) cpu.ppid = static_cast<pid_t>(std::strtol(field.c_str(), nullptr, 10));
    if (i >= 14) ticks[i - 14] = std::strtoull(field.c_str(), nullptr, 10);
  }
  const auto hz = static_cast<double>(sysconf(_SC_CLK_TCK));
  cpu.own = static_cast<double>(ticks[0] + ticks[1]) / hz;
  cpu.children = static_cast<double>(ticks[2] + ticks[3]) / hz;
  return cpu;
}

// CPU seconds of the postmaster, of its live children (backends, walwriter,
// checkpointer, ...) and of those that exited meanwhile (the postmaster reaps them, so
// their time moves into its cutime: the sum stays whole).
Expected<double> server_cpu_seconds(pid_t postmaster) {
  const auto pm = proc_cpu(postmaster);
  if (!pm) return std::unexpected(fmt::format("postmaster {} is gone", postmaster));
  double total = pm->own + pm->children;
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/proc", ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    pid_t pid = 0;
    if (std::from_chars(name.data(), name.data() + name.size(), pid).ec != std::errc()) continue;
    if (const auto c = proc_cpu(pid); c && c->ppid == postmaster) total += c->own + c->children;
  }
  if (ec) return std::unexpected("cannot read /proc: " + ec.message());
  return total;
}

// --- The workloads, captured from a scratch engine -----------------------------------

struct StoredEvent {
  std::string stream;
  std::string type;
  std::string payload;  // JSON
};

struct Transaction {
  std::string command_id;
  std::vector<StoredEvent> events;
};

// The payload of the engine's canonical event JSON (wire::event_json) that has no
// column: the actor and the event's own fields. Position, stream, version, type,
// command id and time are columns; the chain hash is the engine's own (PostgreSQL has
// none).
StoredEvent stored_event(const engine::LoggedEvent& logged) {
  std::string json;
  wire::event_json(logged, json);
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("actor");
  doc["actor"].Accept(w);
  w.Key("data");
  doc["data"].Accept(w);
  w.EndObject();
  return StoredEvent{logged.event.stream, std::string(event_type_name(logged.event.data)),
                     std::string(buffer.GetString(), buffer.GetSize())};
}

// A scratch engine whose commit listener groups what it records into transactions,
// in commit order.
class Recorder {
 public:
  static Expected<std::unique_ptr<Recorder>> open() {
    auto r = std::unique_ptr<Recorder>(new Recorder());
    r->dir_ = std::filesystem::temp_directory_path() /
              fmt::format("stockroom-pg-bench-{}-{}", getpid(),
                          BenchClock::now().time_since_epoch().count());
    std::error_code ec;
    std::filesystem::create_directories(r->dir_, ec);
    if (ec)
      return std::unexpected(fmt::format("cannot create {}: {}", r->dir_.string(), ec.message()));
    engine::EngineOptions o;
    o.data_dir = r->dir_.string();
    o.durability = events::Durability::kNone;  // the capture is not measured
    // Commands are decided on aggregate states, never on views: without projections
    // the events are the same and the capture is quicker.
    o.projections = {};
    Recorder* self = r.get();
    o.on_commit = [self](engine::CommittedGroup&& group) { self->collect(group); };
    auto e = engine::Engine::open(o);
    if (!e) return std::unexpected("scratch engine: " + e.error().message);
    r->engine_ = std::move(*e);
    return r;
  }

  ~Recorder() {
    engine_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  engine::Engine& engine() { return *engine_; }

  // Transactions recorded since the last take.
  size_t pending() {
    std::lock_guard lock(mu_);
    return txs_.size();
  }
  std::vector<Transaction> take() {
    std::lock_guard lock(mu_);
    index_.clear();
    return std::exchange(txs_, {});
  }

 private:
  Recorder() = default;

  // On the writer thread, after the group is durable and before its callers complete:
  // when execute() returns, its events are here.
  void collect(const engine::CommittedGroup& group) {
    std::lock_guard lock(mu_);
    for (const engine::LoggedEvent& e : group.events) {
      const std::string& id = e.event.command_id.str();
      auto [it, added] = index_.try_emplace(id, txs_.size());
      if (added) txs_.push_back(Transaction{id, {}});
      txs_[it->second].events.push_back(stored_event(e));
    }
  }

  std::filesystem::path dir_;
  std::unique_ptr<engine::Engine> engine_;
  std::mutex mu_;
  std::vector<Transaction> txs_;
  std::unordered_map<std::string, size_t> index_;
};

// What a run appends: the setup untimed, then each submitter its own list.
struct Workload {
  std::string name;
  std::vector<Transaction> setup;
  std::vector<Transaction> timed;  // owns the transactions; lists point into it
  std::vector<std::vector<const Transaction*>> lists;
};

size_t capacity(const Args& a, int concurrency) {
  const double rate = concurrency >= kManySubmitters ? kPlausibleRateMany : kPlausibleRate;
  return static_cast<size_t>(rate * a.seconds) + 1000;
}

Status submit_all(engine::Engine& e, std::vector<CommandEnvelope> commands) {
  std::vector<std::future<Result<engine::CommandResult>>> replies;
  replies.reserve(commands.size());
  for (auto& c : commands) replies.push_back(e.submit(std::move(c)));
  for (auto& r : replies) {
    auto result = r.get();
    if (!result) return std::unexpected("capture: command refused: " + result.error().message);
  }
  return {};
}

Actor bench_staff() { return Actor{ActorId("bench"), Role::kStaff}; }

// receipts, as engine_bench: 10,000 products, then ReceiveStock of 1 unit, submitter s's
// n-th to sku (n * 7919 + s) % 10000. One list per submitter for each concurrency.
Expected<std::map<int, Workload>> capture_receipts(const Args& a) {
  auto rec = Recorder::open();
  if (!rec) return std::unexpected(rec.error());
  std::vector<CommandEnvelope> defs;
  for (int i = 0; i < kProducts; ++i) {
    defs.push_back(CommandEnvelope{
        CommandId(fmt::format("def-{}", i)), bench_staff(), std::nullopt,
        DefineProduct{Sku(fmt::format("sku-{}", i)), "P", Money{100, Currency("EUR")}}});
  }
  if (auto s = submit_all((*rec)->engine(), std::move(defs)); !s) return std::unexpected(s.error());
  const std::vector<Transaction> setup = (*rec)->take();

  std::map<int, Workload> by_concurrency;
  for (const int c : a.concurrency) {
    if (by_concurrency.contains(c)) continue;
    const auto per_submitter = static_cast<int64_t>((capacity(a, c) + static_cast<size_t>(c) - 1) /
                                                    static_cast<size_t>(c));
    std::vector<CommandEnvelope> commands;
    for (int s = 0; s < c; ++s) {
      for (int64_t n = 0; n < per_submitter; ++n) {
        commands.push_back(CommandEnvelope{
            CommandId(fmt::format("c{}-b{}-{}", c, s, n)), bench_staff(), std::nullopt,
            ReceiveStock{Sku(fmt::format("sku-{}", (n * 7919 + s) % kProducts)), Quantity{1}, ""}});
      }
    }
    if (auto s = submit_all((*rec)->engine(), std::move(commands)); !s) {
      return std::unexpected(s.error());
    }
    Workload w{"receipts", setup, (*rec)->take(), {}};
    // Each submitter's list in its own order (n = 0, 1, ...), whatever order the
    // engine's groups recorded them in.
    std::unordered_map<std::string_view, const Transaction*> by_id;
    for (const Transaction& t : w.timed) by_id.emplace(t.command_id, &t);
    w.lists.resize(static_cast<size_t>(c));
    for (int s = 0; s < c; ++s) {
      for (int64_t n = 0; n < per_submitter; ++n) {
        const auto it = by_id.find(fmt::format("c{}-b{}-{}", c, s, n));
        if (it == by_id.end()) return std::unexpected("capture: a receipt recorded no event");
        w.lists[static_cast<size_t>(s)].push_back(it->second);
      }
    }
    by_concurrency.emplace(c, std::move(w));
  }
  return by_concurrency;
}

// store_mix: StoreWorkload's setup, then shopping rounds until enough transactions for
// the largest concurrency; each concurrency deals them round-robin in order.
Expected<std::map<int, Workload>> capture_store_mix(const Args& a) {
  auto rec = Recorder::open();
  if (!rec) return std::unexpected(rec.error());
  bench::StoreWorkload mix((*rec)->engine());
  if (auto s = mix.setup(); !s) return std::unexpected("store_mix setup: " + s.error().message);
  std::vector<Transaction> setup = (*rec)->take();
  size_t needed = 0;
  for (const int c : a.concurrency) needed = std::max(needed, capacity(a, c));
  while ((*rec)->pending() < needed) mix.step();
  if (mix.stats().refused > 0) {
    return std::unexpected("store_mix: unexpected refusal: " + mix.stats().last_refusal);
  }
  std::vector<Transaction> timed = (*rec)->take();

  std::map<int, Workload> by_concurrency;
  for (const int c : a.concurrency) {
    if (by_concurrency.contains(c)) continue;
    Workload w{"store_mix", setup, {}, {}};
    w.lists.resize(static_cast<size_t>(c));
    by_concurrency.emplace(c, std::move(w));
  }
  // One copy of the transactions, shared: the first workload owns it, the others point
  // into it (a std::map never moves its values).
  Workload& owner = by_concurrency.begin()->second;
  owner.timed = std::move(timed);
  for (auto& [c, w] : by_concurrency) {
    for (size_t i = 0; i < owner.timed.size(); ++i) {
      w.lists[i % static_cast<size_t>(c)].push_back(&owner.timed[i]);
    }
  }
  return by_concurrency;
}

// --- PostgreSQL ------------------------------------------------------------------------

using Conn = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using Res = std::unique_ptr<PGresult, decltype(&PQclear)>;

struct PgError {
  std::string sqlstate;  // empty for a connection failure
  std::string message;
};

template <class T>
using PgResult = std::expected<T, PgError>;

std::string trimmed(const char* s) {
  std::string t = s != nullptr ? s : "";
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  return t;
}

PgResult<Res> check(PGconn* conn, PGresult* raw, std::string_view what) {
  Res res(raw, &PQclear);
  const ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return res;
  const char* state = res ? PQresultErrorField(res.get(), PG_DIAG_SQLSTATE) : nullptr;
  const std::string message = trimmed(res ? PQresultErrorMessage(res.get()) : PQerrorMessage(conn));
  return std::unexpected(
      PgError{state != nullptr ? state : "", fmt::format("{}: {}", what, message)});
}

PgResult<Res> exec(PGconn* conn, const char* sql, const char* what = nullptr) {
  return check(conn, PQexec(conn, sql), what != nullptr ? what : sql);
}

PgResult<Res> exec_prepared(PGconn* conn, const char* name,
                            const std::vector<const char*>& params) {
  return check(conn,
               PQexecPrepared(conn, name, static_cast<int>(params.size()), params.data(), nullptr,
                              nullptr, 0),
               name);
}

// A connection that cannot hang the bench: bounded connect, bounded statements, no
// NOTICEs on stderr (DROP ... IF EXISTS).
Expected<Conn> connect(const std::string& conninfo) {
  const char* keys[] = {"dbname", "connect_timeout", "options", "application_name", nullptr};
  const char* values[] = {conninfo.c_str(), "10",
                          "-c statement_timeout=60000 -c client_min_messages=warning", "pg_bench",
                          nullptr};
  Conn conn(PQconnectdbParams(keys, values, /*expand_dbname=*/1), &PQfinish);
  if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
    return std::unexpected(
        fmt::format("cannot connect ({}): {}", conninfo, trimmed(PQerrorMessage(conn.get()))));
  }
  return conn;
}

constexpr const char* kSchema = R"(
DROP TABLE IF EXISTS events, streams, head, commands CASCADE;
CREATE TABLE events (
  position bigint PRIMARY KEY,
  stream text NOT NULL,
  version int NOT NULL,
  type text NOT NULL,
  payload jsonb NOT NULL,
  command_id text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (stream, version)
);
CREATE TABLE streams (stream text PRIMARY KEY, version int NOT NULL);
CREATE TABLE head (id int PRIMARY KEY, position bigint NOT NULL);
INSERT INTO head VALUES (1, 0);
CREATE TABLE commands (command_id text PRIMARY KEY, first_position bigint, event_count int);
)";

constexpr const char* kInsertCommand =
    "INSERT INTO commands (command_id) VALUES ($1) ON CONFLICT DO NOTHING";

constexpr const char* kLockStreams =
    "SELECT stream, version FROM streams WHERE stream = ANY($1::text[]) ORDER BY stream "
    "FOR UPDATE";

// $1 event count, $2 command id, $3-$6 the events' streams, versions, types, payloads,
// $7-$8 the locked streams' new versions, $9-$10 the new streams' versions.
// Data-modifying CTEs all run, exactly once, in one snapshot; the commands row
// inserted earlier in the transaction is visible to them.
//
// New streams get a plain INSERT, not an upsert: when another append created the
// stream after our FOR UPDATE read (it held `head`, so it has committed), the INSERT
// fails at once with a unique violation and the transaction is retried. An upsert
// would instead wait for the row lock of whoever locked that row since, and that
// transaction waits for `head`, which we hold: a deadlock, found only after
// deadlock_timeout (1 s). The events' unique (stream, version) fails the same way.
constexpr const char* kAppend = R"(
WITH h AS (
  UPDATE head SET position = position + $1::int WHERE id = 1 RETURNING position
), e AS (
  INSERT INTO events (position, stream, version, type, payload, command_id)
  SELECT h.position - $1::int + x.ord, x.stream, x.version, x.type, x.payload, $2
  FROM h, unnest($3::text[], $4::int[], $5::text[], $6::jsonb[]) WITH ORDINALITY
       AS x(stream, version, type, payload, ord)
), u AS (
  UPDATE streams SET version = x.version
  FROM unnest($7::text[], $8::int[]) AS x(stream, version)
  WHERE streams.stream = x.stream
), n AS (
  INSERT INTO streams (stream, version) SELECT * FROM unnest($9::text[], $10::int[])
), c AS (
  UPDATE commands SET first_position = h.position - $1::int + 1, event_count = $1::int
  FROM h WHERE command_id = $2
)
SELECT position FROM h
)";

Status prepare(PGconn* conn) {
  const std::pair<const char*, const char*> statements[] = {
      {"insert_command", kInsertCommand}, {"lock_streams", kLockStreams}, {"append", kAppend}};
  for (const auto& [name, sql] : statements) {
    if (auto r = check(conn, PQprepare(conn, name, sql, 0, nullptr), name); !r) {
      return std::unexpected(r.error().message);
    }
  }
  return {};
}

// A PostgreSQL array literal of quoted elements: {"a","b\"c"}.
class ArrayLiteral {
 public:
  void add(std::string_view item) {
    text_ += text_.size() > 1 ? ",\"" : "\"";
    for (const char c : item) {
      if (c == '"' || c == '\\') text_ += '\\';
      text_ += c;
    }
    text_ += '"';
  }
  void add(int64_t n) { text_ += fmt::format("{}{}", text_.size() > 1 ? "," : "", n); }
  const char* finish() {
    text_ += '}';
    return text_.c_str();
  }

 private:
  std::string text_ = "{";
};

struct AppendStats {
  uint64_t committed = 0;
  uint64_t events = 0;
  uint64_t retries = 0;
  uint64_t duplicates = 0;
};

bool retryable(const PgError& e) {
  return e.sqlstate == "40001"      // serialization_failure
         || e.sqlstate == "40P01"   // deadlock_detected
         || e.sqlstate == "23505";  // unique_violation: two first appends to one stream
}

// One attempt. True: committed; false: a duplicate, rolled back.
PgResult<bool> try_append(PGconn* conn, const Transaction& tx) {
  if (auto r = exec(conn, "BEGIN"); !r) return std::unexpected(r.error());
  auto inserted = exec_prepared(conn, "insert_command", {tx.command_id.c_str()});
  if (!inserted) return std::unexpected(inserted.error());
  if (std::string_view(PQcmdTuples(inserted->get())) == "0") {
    if (auto r = exec(conn, "ROLLBACK"); !r) return std::unexpected(r.error());
    return false;
  }

  // Expected versions: what the stream rows hold under their locks (absent: 0).
  struct Stream {
    std::string_view name;
    int64_t version = 0;
    bool exists = false;
  };
  std::vector<Stream> touched;
  ArrayLiteral lock_streams;
  for (const StoredEvent& e : tx.events) {
    if (std::ranges::find(touched, e.stream, &Stream::name) == touched.end()) {
      touched.push_back(Stream{e.stream});
      lock_streams.add(e.stream);
    }
  }
  auto locked = exec_prepared(conn, "lock_streams", {lock_streams.finish()});
  if (!locked) return std::unexpected(locked.error());
  for (int row = 0; row < PQntuples(locked->get()); ++row) {
    const std::string_view name = PQgetvalue(locked->get(), row, 0);
    if (auto it = std::ranges::find(touched, name, &Stream::name); it != touched.end()) {
      it->version = std::strtoll(PQgetvalue(locked->get(), row, 1), nullptr, 10);
      it->exists = true;
    }
  }

  ArrayLiteral streams, event_versions, types, payloads;
  for (const StoredEvent& e : tx.events) {
    auto it = std::ranges::find(touched, e.stream, &Stream::name);
    streams.add(e.stream);
    event_versions.add(++it->version);
    types.add(e.type);
    payloads.add(e.payload);
  }
  ArrayLiteral old_streams, old_versions, new_streams, new_versions;
  for (const Stream& s : touched) {
    (s.exists ? old_streams : new_streams).add(s.name);
    (s.exists ? old_versions : new_versions).add(s.version);
  }
  const std::string count = std::to_string(tx.events.size());
  auto appended = exec_prepared(
      conn, "append",
      {count.c_str(), tx.command_id.c_str(), streams.finish(), event_versions.finish(),
       types.finish(), payloads.finish(), old_streams.finish(), old_versions.finish(),
       new_streams.finish(), new_versions.finish()});
  if (!appended) return std::unexpected(appended.error());
  if (auto r = exec(conn, "COMMIT"); !r) return std::unexpected(r.error());
  return true;
}

// Appends one transaction, retrying what concurrency provokes.
Status append(PGconn* conn, const Transaction& tx, AppendStats& stats) {
  for (int attempt = 0;; ++attempt) {
    auto done = try_append(conn, tx);
    if (done) {
      if (*done) {
        ++stats.committed;
        stats.events += tx.events.size();
      } else {
        ++stats.duplicates;
      }
      return {};
    }
    // The transaction is aborted (or the connection is gone: then ROLLBACK fails too
    // and the first error is the one to report).
    (void)exec(conn, "ROLLBACK");
    if (!retryable(done.error()) || attempt >= kMaxRetries) {
      return std::unexpected(fmt::format("{} [{}] (command {}, attempt {})", done.error().message,
                                         done.error().sqlstate, tx.command_id, attempt + 1));
    }
    ++stats.retries;
  }
}

Expected<std::string> show(PGconn* conn, const char* setting) {
  const std::string sql = fmt::format("SHOW {}", setting);
  auto r = exec(conn, sql.c_str());
  if (!r) return std::unexpected(r.error().message);
  return std::string(PQgetvalue(r->get(), 0, 0));
}

// A fresh schema holding the workload's setup (untimed).
Status load_setup(PGconn* conn, const Workload& w) {
  if (auto r = exec(conn, kSchema, "create schema"); !r) return std::unexpected(r.error().message);
  // The setup is not measured: its commits need not wait for the disk. The timed
  // connections keep the server's synchronous_commit (on).
  if (auto r = exec(conn, "SET synchronous_commit = off"); !r) {
    return std::unexpected(r.error().message);
  }
  if (auto s = prepare(conn); !s) return s;
  AppendStats stats;
  for (const Transaction& tx : w.setup) {
    if (auto s = append(conn, tx, stats); !s) return std::unexpected("setup: " + s.error());
  }
  // Statistics for the planner and a clean start: what a store in service would have.
  for (const char* sql : {"ANALYZE", "CHECKPOINT"}) {
    if (auto r = exec(conn, sql); !r) return std::unexpected(r.error().message);
  }
  return {};
}

struct StoreCheck {
  uint64_t events = 0;
  uint64_t commands = 0;
  bool gap_free = false;
};

// Positions 1..N without a gap, the head at N, and N the events appended.
Expected<StoreCheck> check_store(PGconn* conn, uint64_t expected_events) {
  auto r = exec(conn,
                "SELECT count(*), coalesce(min(position), 1), coalesce(max(position), 0), "
                "(SELECT position FROM head WHERE id = 1), (SELECT count(*) FROM commands) "
                "FROM events");
  if (!r) return std::unexpected(r.error().message);
  const auto value = [&](int col) {
    return std::strtoull(PQgetvalue(r->get(), 0, col), nullptr, 10);
  };
  StoreCheck c;
  c.events = value(0);
  c.commands = value(4);
  c.gap_free =
      value(1) == 1 && value(2) == c.events && value(3) == c.events && c.events == expected_events;
  return c;
}

uint64_t event_count(const std::vector<Transaction>& txs) {
  uint64_t n = 0;
  for (const Transaction& t : txs) n += t.events.size();
  return n;
}

// --- A run: one workload at one concurrency ------------------------------------------

Expected<bench::RunRecord> run(const Args& a, const Workload& w, int concurrency,
                               const std::string& sync_commit) {
  auto control = connect(a.conninfo);
  if (!control) return std::unexpected(control.error());
  if (auto s = load_setup(control->get(), w); !s) return std::unexpected(s.error());

  std::vector<Conn> conns;
  for (int i = 0; i < concurrency; ++i) {
    auto c = connect(a.conninfo);
    if (!c) return std::unexpected(c.error());
    if (auto s = prepare(c->get()); !s) return std::unexpected(s.error());
    conns.push_back(std::move(*c));
  }

  std::atomic<bool> stop{false};
  std::atomic<bool> exhausted{false};
  std::latch go(1);
  std::mutex mu;
  AppendStats total;
  std::string error;
  bench::LatencyPool latencies;
  std::vector<std::thread> threads;
  for (int s = 0; s < concurrency; ++s) {
    threads.emplace_back([&, s] {
      const auto& list = w.lists[static_cast<size_t>(s)];
      PGconn* conn = conns[static_cast<size_t>(s)].get();
      bench::Latencies mine;
      mine.reserve(list.size());
      AppendStats stats;
      std::string failure;
      go.wait();
      size_t i = 0;
      for (; i < list.size() && !stop.load(std::memory_order_relaxed); ++i) {
        const auto t0 = BenchClock::now();
        if (auto r = append(conn, *list[i], stats); !r) {
          failure = r.error();
          stop = true;
          break;
        }
        mine.add(bench::micros_since(t0));
      }
      if (failure.empty() && i == list.size()) {
        exhausted = true;
        stop = true;  // the run ends when the first submitter runs out
      }
      latencies.merge(mine);
      std::lock_guard lock(mu);
      total.committed += stats.committed;
      total.events += stats.events;
      total.retries += stats.retries;
      total.duplicates += stats.duplicates;
      if (error.empty()) error = failure;
    });
  }

  const double cpu_self0 = bench::cpu_seconds_self();
  const auto cpu_server0 = server_cpu_seconds(a.pg_pid);
  const auto start = BenchClock::now();
  const auto deadline = start + std::chrono::duration_cast<BenchClock::duration>(
                                    std::chrono::duration<double>(a.seconds));
  go.count_down();
  while (!stop.load() && BenchClock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop = true;
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(BenchClock::now() - start).count();
  const double cpu_self = bench::cpu_seconds_self() - cpu_self0;
  const auto cpu_server1 = server_cpu_seconds(a.pg_pid);
  conns.clear();

  if (!error.empty()) return std::unexpected(error);
  if (!cpu_server0 || !cpu_server1) {
    return std::unexpected(!cpu_server0 ? cpu_server0.error() : cpu_server1.error());
  }
  const auto checked = check_store(control->get(), event_count(w.setup) + total.events);
  if (!checked) return std::unexpected(checked.error());

  bench::RunRecord r;
  r.suite = "postgres";
  r.workload = w.name;
  r.system = "postgres";
  r.durability = "sync";
  r.concurrency = concurrency;
  r.ops = total.committed;
  r.unit = "commands";
  r.seconds = seconds;
  r.set_latencies(latencies.all());
  const double cpu = cpu_self + (*cpu_server1 - *cpu_server0);
  r.cpu_us_per_op = total.committed > 0 ? cpu * 1e6 / static_cast<double>(total.committed) : 0;
  r.cpu_of = "postgres+client";
  r.extra["events"] = static_cast<double>(total.events);
  r.extra["retries"] = static_cast<double>(total.retries);
  r.extra["duplicates"] = static_cast<double>(total.duplicates);
  r.extra["gap_free"] = checked->gap_free ? 1 : 0;
  r.extra["events_in_store"] = static_cast<double>(checked->events);
  r.extra["cpu_client_s"] = cpu_self;
  r.extra["cpu_server_s"] = *cpu_server1 - *cpu_server0;
  r.note = fmt::format("synchronous_commit={}; one transaction per command, gap-free head row",
                       sync_commit);
  if (exhausted) {
    r.note += fmt::format("; ran out of captured commands after {:.2f} s (measured what was done)",
                          seconds);
  }
  if (!checked->gap_free) {
    r.note += fmt::format("; STORE CHECK FAILED: {} events in store, {} appended", checked->events,
                          event_count(w.setup) + total.events);
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  if (!proc_cpu(a.pg_pid)) fail(fmt::format("--pg-pid {}: no such process", a.pg_pid));

  // Before the (slow) capture: a wrong conninfo fails at once.
  std::string sync_commit;
  {
    auto conn = connect(a.conninfo);
    if (!conn) fail(conn.error());
    auto value = show(conn->get(), "synchronous_commit");
    if (!value) fail(value.error());
    sync_commit = *value;
    if (sync_commit != "on") {
      fmt::print(stderr, "pg_bench: warning: synchronous_commit={}: commits are not durable\n",
                 sync_commit);
    }
  }

  for (const std::string& name : a.workloads) {
    const auto t0 = BenchClock::now();
    auto workloads = name == "receipts" ? capture_receipts(a) : capture_store_mix(a);
    if (!workloads) fail(workloads.error());
    fmt::print(stderr, "pg_bench: {} captured from the engine in {:.1f} s\n", name,
               bench::micros_since(t0) / 1e6);
    for (const int c : a.concurrency) {
      auto record = run(a, workloads->at(c), c, sync_commit);
      if (!record) fail(fmt::format("{} c={}: {}", name, c, record.error()));
      bench::emit(*record, a.out);
      if (record->extra["gap_free"] != 1) fail(fmt::format("{} c={}: {}", name, c, record->note));
    }
  }
  return 0;
}
