// SqliteStore::ListSandboxes: the filter in SQL, keyset paging newest first,
// and the total count, all read from one snapshot.
#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/common/status_macros.h"
#include "lib/store/page_token.h"
#include "lib/store/records.h"
#include "lib/store/sqlite_store_impl.h"

namespace sandboxd::store_internal {
namespace {

// Each label pair adds a subquery; SQLite limits a statement's depth and
// parameters, so refuse absurd filters up front.
constexpr size_t kMaxLabelFilters = 256;

// A ListQuery's filter as SQL over `sandboxes s`, with its parameters in the
// order of the placeholders.
class FilterSql {
 public:
  explicit FilterSql(const ListQuery& query) : query_(query) {
    statuses_.assign(query.statuses.begin(), query.statuses.end());
    std::sort(statuses_.begin(), statuses_.end());
    statuses_.erase(std::unique(statuses_.begin(), statuses_.end()),
                    statuses_.end());
    std::vector<std::string> terms;
    if (!query.owner.empty()) terms.push_back("s.owner = ?");
    if (statuses_.empty()) {
      terms.push_back(
          absl::StrCat("s.status <> ", sandbox::v1::SANDBOX_STATUS_DELETED));
    } else {
      std::vector<std::string> placeholders(statuses_.size(), "?");
      terms.push_back(absl::StrCat("s.status IN (",
                                   absl::StrJoin(placeholders, ", "), ")"));
    }
    for (size_t i = 0; i < query.labels.size(); ++i) {
      terms.push_back(
          "EXISTS (SELECT 1 FROM sandbox_labels l WHERE l.sandbox_id = s.id "
          "AND l.key = ? AND l.value = ?)");
    }
    where_ = absl::StrJoin(terms, " AND ");
  }

  const std::string& where() const { return where_; }

  // Binds the filter's parameters from 1; returns the next free index.
  int Bind(SqliteStatement& statement) const {
    int index = 1;
    if (!query_.owner.empty()) statement.BindText(index++, query_.owner);
    for (int status : statuses_) statement.BindInt(index++, status);
    for (const auto& [key, value] : query_.labels) {
      statement.BindText(index++, key);
      statement.BindText(index++, value);
    }
    return index;
  }

 private:
  const ListQuery& query_;
  std::vector<int> statuses_;
  std::string where_;
};

absl::StatusOr<int64_t> CountMatches(SqliteConnection& reader,
                                     const FilterSql& filter) {
  ASSIGN_OR_RETURN(
      SqliteStatement count,
      reader.Prepare(absl::StrCat("SELECT COUNT(*) FROM sandboxes s WHERE ",
                                  filter.where())));
  filter.Bind(count);
  ASSIGN_OR_RETURN(bool row, Annotated(count.Step(), "store: list: count"));
  if (!row) return absl::InternalError("store: list: count: no row");
  return count.ColumnInt(0);
}

}  // namespace

absl::StatusOr<ListPage> SqliteStore::ListSandboxes(const ListQuery& query) {
  if (query.page_size <= 0) {
    return absl::InvalidArgumentError("page_size: must be positive");
  }
  if (query.labels.size() > kMaxLabelFilters) {
    return absl::InvalidArgumentError(
        absl::StrCat("labels: at most ", kMaxLabelFilters, " filters"));
  }
  const uint64_t fingerprint = FilterFingerprint(query);
  std::optional<PageCursor> cursor;
  if (!query.page_token.empty()) {
    ASSIGN_OR_RETURN(cursor, DecodePageToken(query.page_token, fingerprint));
  }
  const FilterSql filter(query);
  std::string sql = absl::StrCat(
      "SELECT s.id, s.create_time_micros, s.record FROM sandboxes s WHERE ",
      filter.where());
  if (cursor.has_value()) {
    absl::StrAppend(&sql, " AND (s.create_time_micros, s.id) < (?, ?)");
  }
  absl::StrAppend(&sql,
                  " ORDER BY s.create_time_micros DESC, s.id DESC LIMIT ?");

  ReaderPool::Lease reader = readers_->Acquire();
  // One snapshot for the page and the count, so that `total` agrees with it.
  ASSIGN_OR_RETURN(
      SqliteTransaction txn,
      SqliteTransaction::Begin(*reader, SqliteTransaction::Kind::kRead));
  ListPage page;
  ASSIGN_OR_RETURN(page.total, CountMatches(*reader, filter));
  ASSIGN_OR_RETURN(SqliteStatement select, reader->Prepare(sql));
  int index = filter.Bind(select);
  if (cursor.has_value()) {
    select.BindInt(index++, cursor->create_time_micros);
    select.BindText(index++, cursor->sandbox_id);
  }
  // One row more than the page tells whether another page follows.
  select.BindInt(index, static_cast<int64_t>(query.page_size) + 1);
  PageCursor last;
  while (true) {
    ASSIGN_OR_RETURN(bool row, Annotated(select.Step(), "store: list"));
    if (!row) break;
    if (page.sandboxes.size() == static_cast<size_t>(query.page_size)) {
      page.next_page_token = EncodePageToken(last, fingerprint);
      break;
    }
    last.sandbox_id = std::string(select.ColumnText(0));
    last.create_time_micros = select.ColumnInt(1);
    ASSIGN_OR_RETURN(sandbox::v1::Sandbox sandbox,
                     ParseSandboxRow(last.sandbox_id, select.ColumnBlob(2)));
    page.sandboxes.push_back(std::move(sandbox));
  }
  return page;
}

}  // namespace sandboxd::store_internal
