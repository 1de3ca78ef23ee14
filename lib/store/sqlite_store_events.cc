// SqliteStore's build events: append (bounded per sandbox), read, last
// sequence number.
#include "absl/strings/str_cat.h"
#include "lib/common/status_macros.h"
#include "lib/store/records.h"
#include "lib/store/sqlite_store_impl.h"

namespace sandboxd::store_internal {
namespace {

std::string EventName(int64_t sequence, std::string_view sandbox_id) {
  return absl::StrCat("event ", sequence, " of ", SandboxName(sandbox_id));
}

absl::Status ValidateEvents(
    const std::vector<sandbox::v1::BuildEvent>& events) {
  const std::string& sandbox_id = events.front().sandbox_id();
  if (sandbox_id.empty()) {
    return absl::InvalidArgumentError("store: events[0].sandbox_id: empty");
  }
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i].sandbox_id() != sandbox_id) {
      return absl::InvalidArgumentError(absl::StrCat(
          "store: events[", i, "].sandbox_id: differs from events[0]'s"));
    }
    if (events[i].sequence() < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("store: events[", i, "].sequence: must be at least 1"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status SqliteStore::AppendEvents(
    const std::vector<sandbox::v1::BuildEvent>& events) {
  if (events.empty()) return absl::OkStatus();
  RETURN_IF_ERROR(ValidateEvents(events));
  std::vector<std::string> blobs;
  blobs.reserve(events.size());
  for (const sandbox::v1::BuildEvent& event : events) {
    ASSIGN_OR_RETURN(std::string blob,
                     SerializeRecord(event, EventName(event.sequence(),
                                                      event.sandbox_id())));
    blobs.push_back(std::move(blob));
  }
  absl::MutexLock lock(&writer_mu_);
  return InsertEventRows(events, blobs);
}

absl::Status SqliteStore::InsertEventRows(
    const std::vector<sandbox::v1::BuildEvent>& events,
    const std::vector<std::string>& blobs) {
  const std::string& sandbox_id = events.front().sandbox_id();
  const std::string context =
      absl::StrCat("store: append events of ", SandboxName(sandbox_id));
  ASSIGN_OR_RETURN(
      SqliteTransaction txn,
      SqliteTransaction::Begin(*writer_, SqliteTransaction::Kind::kWrite));
  {
    // The count lives on the sandbox row: counting the events themselves
    // would cost a scan of up to max_events_per_sandbox_ rows per append.
    ASSIGN_OR_RETURN(
        SqliteStatement count,
        writer_->Prepare("SELECT event_count FROM sandboxes WHERE id = ?"));
    count.BindText(1, sandbox_id);
    ASSIGN_OR_RETURN(bool found, Annotated(count.Step(), context));
    if (!found) {
      return absl::NotFoundError(
          absl::StrCat("store: ", SandboxName(sandbox_id), " not found"));
    }
    if (count.ColumnInt(0) + static_cast<int64_t>(events.size()) >
        max_events_per_sandbox_) {
      return absl::ResourceExhaustedError(
          absl::StrCat("store: ", SandboxName(sandbox_id), ": more than ",
                       max_events_per_sandbox_, " build events"));
    }
  }
  for (size_t i = 0; i < events.size(); ++i) {
    ASSIGN_OR_RETURN(SqliteStatement insert,
                     writer_->Prepare("INSERT INTO events (sandbox_id, seq, "
                                      "event) VALUES (?, ?, ?)"));
    insert.BindText(1, sandbox_id);
    insert.BindInt(2, events[i].sequence());
    insert.BindBlobNoCopy(3, blobs[i]);
    absl::Status status = insert.Run();
    if (absl::IsAlreadyExists(status)) {
      return absl::AlreadyExistsError(
          absl::StrCat("store: ", EventName(events[i].sequence(), sandbox_id),
                       " already exists"));
    }
    RETURN_IF_ERROR(Annotate(status, context));
  }
  {
    ASSIGN_OR_RETURN(SqliteStatement update,
                     writer_->Prepare("UPDATE sandboxes SET event_count = "
                                      "event_count + ? WHERE id = ?"));
    update.BindInt(1, static_cast<int64_t>(events.size()));
    update.BindText(2, sandbox_id);
    RETURN_IF_ERROR(Annotate(update.Run(), context));
  }
  return Annotate(txn.Commit(), context);
}

absl::StatusOr<std::vector<sandbox::v1::BuildEvent>> SqliteStore::ReadEvents(
    std::string_view sandbox_id, int64_t after_sequence, int limit) {
  if (limit <= 0) {
    return absl::InvalidArgumentError("store: limit: must be positive");
  }
  const std::string context =
      absl::StrCat("store: read events of ", SandboxName(sandbox_id));
  ReaderPool::Lease reader = readers_->Acquire();
  ASSIGN_OR_RETURN(SqliteStatement select,
                   reader->Prepare("SELECT seq, event FROM events WHERE "
                                   "sandbox_id = ? AND seq > ? ORDER BY seq "
                                   "LIMIT ?"));
  select.BindText(1, sandbox_id);
  select.BindInt(2, after_sequence);
  select.BindInt(3, limit);
  std::vector<sandbox::v1::BuildEvent> events;
  while (true) {
    ASSIGN_OR_RETURN(bool row, Annotated(select.Step(), context));
    if (!row) break;
    const int64_t sequence = select.ColumnInt(0);
    const std::string what = EventName(sequence, sandbox_id);
    sandbox::v1::BuildEvent& event = events.emplace_back();
    RETURN_IF_ERROR(ParseRecord(select.ColumnBlob(1), event, what));
    if (event.sequence() != sequence || event.sandbox_id() != sandbox_id) {
      return absl::DataLossError(
          absl::StrCat("store: ", what, ": record holds another event"));
    }
  }
  return events;
}

absl::StatusOr<int64_t> SqliteStore::LastEventSequence(
    std::string_view sandbox_id) {
  ReaderPool::Lease reader = readers_->Acquire();
  ASSIGN_OR_RETURN(SqliteStatement select,
                   reader->Prepare("SELECT COALESCE(MAX(seq), 0) FROM events "
                                   "WHERE sandbox_id = ?"));
  select.BindText(1, sandbox_id);
  const std::string context =
      absl::StrCat("store: last event of ", SandboxName(sandbox_id));
  ASSIGN_OR_RETURN(bool row, Annotated(select.Step(), context));
  if (!row) return absl::InternalError(context + ": no row");
  return select.ColumnInt(0);
}

}  // namespace sandboxd::store_internal
