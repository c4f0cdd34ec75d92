//! Per-user settings of the staff pages (`user_prefs`, migration 0004): the ledger's columns and
//! saved filters (我的常用筛选), as JSON text under a name.

use chrono::{DateTime, Utc};

use crate::{Result, Store, secs};

impl Store {
    /// A user's setting, if saved.
    pub async fn pref(&self, username: &str, name: &str) -> Result<Option<String>> {
        Ok(read_db!(self, |ex| {
            sqlx::query_scalar("SELECT value FROM user_prefs WHERE username = $1 AND name = $2")
                .bind(username)
                .bind(name)
                .fetch_optional(ex)
                .await?
        }))
    }

    /// Saves a user's setting (replacing it); `None` deletes it.
    pub async fn set_pref(
        &self,
        username: &str,
        name: &str,
        value: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let (username, name, value, at) =
            (username.to_owned(), name.to_owned(), value.map(str::to_owned), secs(at));
        write_db!(self, |c| {
            match &value {
                Some(v) => {
                    sqlx::query(
                        "INSERT INTO user_prefs (username, name, value, updated_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (username, name) DO UPDATE SET value = excluded.value, \
                         updated_at = excluded.updated_at",
                    )
                    .bind(&username)
                    .bind(&name)
                    .bind(v)
                    .bind(at)
                    .execute(&mut *c)
                    .await?;
                }
                None => {
                    sqlx::query("DELETE FROM user_prefs WHERE username = $1 AND name = $2")
                        .bind(&username)
                        .bind(&name)
                        .execute(&mut *c)
                        .await?;
                }
            }
            Ok(())
        })
    }
}
