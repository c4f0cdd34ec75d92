//! The ledger filters (SPEC §5, §6) and Chinese text search.
//!
//! SQLite: FTS5 with the `unicode61` tokenizer over text whose non-ASCII characters are spaced
//! out ([`spaced`]), so each Han character is a token and any substring of one or more
//! characters is an FTS5 phrase: indexed for every query length. PostgreSQL: `ILIKE '%q%'`,
//! served by the pg_trgm GIN indexes for queries of 3 or more characters.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use sqlx::{Database, Encode, QueryBuilder, Sqlite, SqliteConnection, SqlitePool, Type};

use crate::Backend;
use crate::model::{CaseFilter, CaseRow};

/// The text as indexed: every non-ASCII character becomes a word of its own; ASCII words stay
/// words.
pub(crate) fn spaced(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    for ch in text.chars() {
        if ch.is_ascii() {
            out.push(ch);
        } else {
            out.push(' ');
            out.push(ch);
            out.push(' ');
        }
    }
    out
}

/// A change of one case's FTS5 entry, applied by the writer at the end of its batch.
pub(crate) struct TextUpdate {
    id: i64,
    /// A case registered in this batch: it has no entry to delete yet.
    fresh: bool,
    applicant_name: String,
    description: String,
    enterprise_name: String,
}

impl TextUpdate {
    /// The indexed text of a case row: applicant name, description and enterprise name.
    pub(crate) fn new(id: i64, row: &CaseRow, fresh: bool) -> TextUpdate {
        Self::of(
            id,
            &row.applicant_name,
            &row.description,
            row.enterprise_name.as_deref().unwrap_or(""),
            fresh,
        )
    }

    fn of(
        id: i64,
        applicant_name: &str,
        description: &str,
        enterprise_name: &str,
        fresh: bool,
    ) -> TextUpdate {
        TextUpdate {
            id,
            fresh,
            applicant_name: spaced(applicant_name),
            description: spaced(description),
            enterprise_name: spaced(enterprise_name),
        }
    }
}

/// Writes a batch's text-index changes in (at most) two statements: the last text of each case
/// wins. The statements vary with the batch, so they are not kept in the statement cache.
pub(crate) async fn write_text_index(
    conn: &mut SqliteConnection,
    updates: &[TextUpdate],
) -> Result<(), sqlx::Error> {
    // Per case, in order of first appearance: (was it fresh, its last update).
    let mut order: Vec<(bool, &TextUpdate)> = Vec::with_capacity(updates.len());
    let mut at: HashMap<i64, usize> = HashMap::with_capacity(updates.len());
    for u in updates {
        match at.get(&u.id) {
            Some(&i) => order[i].1 = u,
            None => {
                at.insert(u.id, order.len());
                order.push((u.fresh, u));
            }
        }
    }
    let stale: Vec<i64> = order.iter().filter(|(fresh, _)| !fresh).map(|(_, u)| u.id).collect();
    if !stale.is_empty() {
        let mut q = QueryBuilder::<Sqlite>::new("DELETE FROM cases_fts WHERE rowid IN (");
        let mut list = q.separated(", ");
        for id in stale {
            list.push_bind(id);
        }
        list.push_unseparated(")");
        q.build().persistent(false).execute(&mut *conn).await?;
    }
    // Bound parameters per statement are limited (32766): 4 per row.
    for chunk in order.chunks(1000) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO cases_fts (rowid, applicant_name, description, enterprise_name) ",
        );
        q.push_values(chunk, |mut row, (_, u)| {
            row.push_bind(u.id)
                .push_bind(u.applicant_name.as_str())
                .push_bind(u.description.as_str())
                .push_bind(u.enterprise_name.as_str());
        });
        q.build().persistent(false).execute(&mut *conn).await?;
    }
    Ok(())
}

/// The FTS5 query for `q`: one phrase of its tokens, the last one a prefix when it is an ASCII
/// word (`"abc 社 保"`, `"13800" *`). `None` if `q` has no letter or digit.
pub(crate) fn fts_query(q: &str) -> Option<String> {
    if !q.chars().any(char::is_alphanumeric) {
        return None;
    }
    let tokens = spaced(q).split_whitespace().collect::<Vec<_>>().join(" ");
    let prefix = q.chars().last().is_some_and(|c| c.is_ascii_alphanumeric());
    Some(format!("\"{}\"{}", tokens.replace('"', "\"\""), if prefix { " *" } else { "" }))
}

/// `%q%` with LIKE's wildcards and the escape character escaped (`ESCAPE '\'`).
fn like_pattern(q: &str) -> String {
    let mut p = String::with_capacity(q.len() + 2);
    p.push('%');
    for ch in q.chars() {
        if matches!(ch, '\\' | '%' | '_') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

/// A query that looks like a case number (all digits, 10 or more) matches the number exactly or
/// as a prefix.
fn number_prefix(q: &str) -> Option<(String, String)> {
    if q.len() < 10 || !q.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Digits sort before ':' (the byte after '9'), so [q, q with its last byte + 1) holds
    // exactly the numbers starting with q (byte order: SQLite BINARY, PostgreSQL COLLATE "C").
    let mut upper = q.as_bytes().to_vec();
    if let Some(last) = upper.last_mut() {
        *last += 1;
    }
    Some((q.to_owned(), String::from_utf8_lossy(&upper).into_owned()))
}

/// The start of a day in Asia/Shanghai (UTC+8, no DST), as a UTC instant.
fn shanghai_day_start(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc() - Duration::hours(8)
}

/// How the text query `q` of a [`CaseFilter`] is matched.
pub(crate) enum Text {
    None,
    /// A case number or its prefix: the byte range [low, high).
    Number(String, String),
    /// SQLite: an FTS5 phrase ([`fts_query`]).
    Fts(String),
    /// `LIKE` (SQLite, a query without letters or digits) or `ILIKE` (PostgreSQL) pattern.
    Like(String, &'static str),
}

impl Text {
    pub(crate) fn new(q: Option<&str>, backend: Backend) -> Text {
        let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) else {
            return Text::None;
        };
        if let Some((low, high)) = number_prefix(q) {
            return Text::Number(low, high);
        }
        match backend {
            Backend::Sqlite => fts_query(q).map_or_else(|| Text::Like(like_pattern(q), "LIKE"), Text::Fts),
            Backend::Postgres => Text::Like(like_pattern(q), "ILIKE"),
        }
    }
}

/// What the FTS5 index says about a phrase, to plan the ledger query (SQLite's planner cannot
/// know how many cases a phrase matches).
pub(crate) struct FtsStats {
    pub(crate) matches: i64,
    /// Approximately the number of cases (the largest id: cases are never deleted).
    cases: i64,
    /// Every case belongs to the filter's center.
    pub(crate) single_center: bool,
}

impl FtsStats {
    pub(crate) async fn read(pool: &SqlitePool, phrase: &str, center: &str) -> Result<FtsStats, sqlx::Error> {
        let (matches, cases, low, high): (i64, Option<i64>, Option<String>, Option<String>) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM cases_fts WHERE cases_fts MATCH $1), (SELECT max(id) FROM cases), \
             (SELECT min(center) FROM cases), (SELECT max(center) FROM cases)",
        )
        .bind(phrase)
        .fetch_one(pool)
        .await?;
        let single_center = low.as_deref() == Some(center) && high.as_deref() == Some(center);
        Ok(FtsStats { matches, cases: cases.unwrap_or(0), single_center })
    }

    /// Read the matches first and look their cases up (cost ~ matches), rather than walk the
    /// center's cases newest first and probe the matches (cost ~ cases walked until `rows` are
    /// found). Case lookups cost about 7 index steps (measured at 1,000,000 cases).
    pub(crate) fn drive_page(&self, rows: i64) -> bool {
        self.matches.saturating_mul(self.matches).saturating_mul(7) <= rows.saturating_mul(self.cases)
    }

    /// The same for counting, where the walk covers all the center's cases.
    pub(crate) fn drive_count(&self) -> bool {
        self.matches.saturating_mul(30) <= self.cases
    }
}

/// True if `f` filters by center and text only.
pub(crate) fn center_and_text_only(f: &CaseFilter) -> bool {
    let CaseFilter {
        center: _,
        statuses,
        level,
        unit,
        visible_units,
        overdue,
        category,
        channel,
        from,
        to,
        q: _,
        phone,
        id_number,
        phone_tail,
        credit_code,
        received_unit,
        page: _,
        per_page: _,
        sort: _,
    } = f;
    statuses.is_empty()
        && [level, unit, category, channel, phone, id_number, phone_tail, credit_code, received_unit]
            .iter()
            .all(|v| v.is_none())
        && visible_units.is_none()
        && overdue.is_none()
        && from.is_none()
        && to.is_none()
}

/// Whether `f` filters by nothing but the center and registration days (text aside).
pub(crate) fn center_and_days_only(f: &CaseFilter) -> bool {
    center_and_text_only(&CaseFilter { from: None, to: None, ..f.clone() })
}

/// Appends `FROM … WHERE …` of the ledger query on `cases c` for `f`. With `drive`, an FTS5
/// phrase is the outer loop (`CROSS JOIN` fixes SQLite's join order); otherwise the cases are
/// scanned and the matches probed.
pub(crate) fn push_from_where<DB>(qb: &mut QueryBuilder<DB>, f: &CaseFilter, text: &Text, drive: bool)
where
    DB: Database,
    String: for<'a> Encode<'a, DB> + Type<DB>,
    bool: for<'a> Encode<'a, DB> + Type<DB>,
    DateTime<Utc>: for<'a> Encode<'a, DB> + Type<DB>,
{
    match text {
        Text::Fts(phrase) if drive => {
            qb.push(" FROM cases_fts CROSS JOIN cases c ON c.id = cases_fts.rowid WHERE cases_fts MATCH ")
                .push_bind(phrase.clone())
                .push(" AND ");
        }
        _ => {
            qb.push(" FROM cases c WHERE ");
        }
    }
    qb.push("c.center = ").push_bind(f.center.clone());
    if !f.statuses.is_empty() {
        push_in(qb, " AND c.status IN (", &f.statuses);
    }
    for (column, value) in [
        (" AND c.level = ", &f.level),
        (" AND c.category = ", &f.category),
        (" AND c.channel = ", &f.channel),
        (" AND c.phone = ", &f.phone),
        (" AND c.id_number = ", &f.id_number),
        (" AND c.phone_tail = ", &f.phone_tail),
        (" AND c.credit_code = ", &f.credit_code),
        (" AND c.received_unit = ", &f.received_unit),
    ] {
        if let Some(v) = value {
            qb.push(column).push_bind(v.clone());
        }
    }
    // Lead or co-unit (SPEC §2); the side table's (unit_code, case_id) index drives the lookup.
    if let Some(unit) = &f.unit {
        qb.push(" AND c.id IN (SELECT cu.case_id FROM case_units cu WHERE cu.unit_code = ")
            .push_bind(unit.clone())
            .push(")");
    }
    // A handler sees only the cases of their units (SPEC §2).
    if let Some(units) = &f.visible_units {
        if units.is_empty() {
            qb.push(" AND 1 = 0");
        } else {
            push_in(qb, " AND c.id IN (SELECT cu.case_id FROM case_units cu WHERE cu.unit_code IN (", units);
            qb.push(")");
        }
    }
    if let Some(overdue) = f.overdue {
        qb.push(" AND c.overdue = ").push_bind(overdue);
    }
    if let Some(from) = f.from {
        qb.push(" AND c.received_at >= ").push_bind(shanghai_day_start(from));
    }
    if let Some(next) = f.to.and_then(|to| to.succ_opt()) {
        qb.push(" AND c.received_at < ").push_bind(shanghai_day_start(next));
    }
    match text {
        Text::None => {}
        Text::Number(low, high) => {
            qb.push(" AND c.number >= ")
                .push_bind(low.clone())
                .push(" AND c.number < ")
                .push_bind(high.clone());
        }
        Text::Fts(_) if drive => {}
        Text::Fts(phrase) => {
            // `+`: not a rowid lookup, so that the planner walks the cases as told.
            qb.push(" AND +c.id IN (SELECT rowid FROM cases_fts WHERE cases_fts MATCH ")
                .push_bind(phrase.clone())
                .push(")");
        }
        Text::Like(pattern, op) => {
            qb.push(format_args!(" AND (c.applicant_name {op} "))
                .push_bind(pattern.clone())
                .push(format_args!(" ESCAPE '\\' OR c.description {op} "))
                .push_bind(pattern.clone())
                .push(format_args!(" ESCAPE '\\' OR c.enterprise_name {op} "))
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\')");
        }
    }
}

/// `{open}$a, $b, …)`.
fn push_in<DB>(qb: &mut QueryBuilder<DB>, open: &str, values: &[String])
where
    DB: Database,
    String: for<'a> Encode<'a, DB> + Type<DB>,
{
    qb.push(open);
    let mut list = qb.separated(", ");
    for v in values {
        list.push_bind(v.clone());
    }
    list.push_unseparated(")");
}

/// ` AND {column} NOT IN ($a, …)`, nothing for an empty list.
pub(crate) fn push_not_in<DB>(qb: &mut QueryBuilder<DB>, column: &str, values: &[&str])
where
    DB: Database,
    String: for<'a> Encode<'a, DB> + Type<DB>,
{
    if values.is_empty() {
        return;
    }
    let values: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
    push_in(qb, &format!(" AND {column} NOT IN ("), &values);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_non_ascii_character_is_a_token_and_ascii_words_stay_words() {
        assert_eq!(
            spaced("张三abc社保").split_whitespace().collect::<Vec<_>>(),
            ["张", "三", "abc", "社", "保"]
        );
    }

    #[test]
    fn queries_are_phrases_with_quotes_escaped_and_a_trailing_ascii_prefix() {
        assert_eq!(fts_query("社保").as_deref(), Some("\"社 保\""));
        assert_eq!(fts_query("社").as_deref(), Some("\"社\""));
        assert_eq!(fts_query("a\"b社").as_deref(), Some("\"a\"\"b 社\""));
        assert_eq!(fts_query("13800").as_deref(), Some("\"13800\" *"));
        assert_eq!(fts_query("，。"), None);
    }

    #[tokio::test]
    async fn a_batch_writes_the_last_text_of_each_case_once() {
        use sqlx::Connection;
        let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
        sqlx::query(
            "CREATE VIRTUAL TABLE cases_fts USING fts5(applicant_name, description, enterprise_name, \
             content = '', contentless_delete = 1, tokenize = 'unicode61')",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        let matches = |q: &'static str| {
            sqlx::query_scalar::<_, i64>(
                "SELECT rowid FROM cases_fts WHERE cases_fts MATCH $1 ORDER BY rowid",
            )
            .bind(q)
        };
        let batch = [
            TextUpdate::of(1, "张三", "社保", "", true),
            TextUpdate::of(2, "李四", "医保", "", true),
            TextUpdate::of(1, "张三", "公积金", "", false),
        ];
        write_text_index(&mut conn, &batch).await.unwrap();
        assert_eq!(matches("\"社 保\"").fetch_all(&mut conn).await.unwrap(), Vec::<i64>::new());
        assert_eq!(matches("\"公 积\"").fetch_all(&mut conn).await.unwrap(), [1]);
        assert_eq!(matches("\"保\"").fetch_all(&mut conn).await.unwrap(), [2]);
        let batch = [
            TextUpdate::of(2, "李四", "退休", "", false),
            TextUpdate::of(2, "李四", "户口", "宛西制药", false),
        ];
        write_text_index(&mut conn, &batch).await.unwrap();
        assert_eq!(matches("\"李\"").fetch_all(&mut conn).await.unwrap(), [2]);
        assert_eq!(matches("\"户 口\"").fetch_all(&mut conn).await.unwrap(), [2]);
        assert_eq!(matches("\"宛 西\"").fetch_all(&mut conn).await.unwrap(), [2], "the enterprise name");
        assert_eq!(matches("\"医 保\" OR \"退 休\"").fetch_all(&mut conn).await.unwrap(), Vec::<i64>::new());
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("5%_\\"), "%5\\%\\_\\\\%");
    }

    #[test]
    fn a_number_prefix_is_a_byte_range() {
        assert_eq!(number_prefix("2021081009"), Some(("2021081009".into(), "202108100:".into())));
        assert_eq!(number_prefix("202108"), None);
        assert_eq!(number_prefix("2021081a09"), None);
    }

    #[test]
    fn shanghai_days_start_at_16_utc_the_day_before() {
        let d = NaiveDate::from_ymd_opt(2021, 8, 10).unwrap();
        assert_eq!(shanghai_day_start(d).to_rfc3339(), "2021-08-09T16:00:00+00:00");
    }
}
