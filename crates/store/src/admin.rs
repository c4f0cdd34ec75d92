//! Units, users, tokens, the calendar and deadline policies (SPEC §2, §4.2, §4.3).

use chrono::{DateTime, Utc};
use sqlx::types::Json;

use crate::model::{CalendarYearRow, NewUser, PolicyRow, TokenRow, UnitRow, UserRow};
use crate::{Result, Store, found, secs};

macro_rules! unit_columns {
    () => {
        "code, center, name, parent_code, kind, handles_cases, phone, public_url"
    };
}

macro_rules! user_columns {
    () => {
        "id, username, display_name, role, unit_code, center, password_hash, disabled, \
         must_change_password, created_at"
    };
}

impl Store {
    // ---- units and centers ----

    /// True before the first start's setup: no unit exists yet.
    pub async fn is_empty(&self) -> Result<bool> {
        let n: i64 = read_db!(self, |ex| {
            sqlx::query_scalar("SELECT count(*) FROM (SELECT 1 FROM units LIMIT 1) AS x")
                .fetch_one(ex)
                .await?
        });
        Ok(n == 0)
    }

    /// Fails with `Duplicate { constraint: "units_code" }` if the code exists; the parent must
    /// exist.
    pub async fn insert_unit(&self, u: &UnitRow) -> Result<()> {
        let u = u.clone();
        write_db!(self, |c| {
            sqlx::query(
                "INSERT INTO units (code, center, name, parent_code, kind, handles_cases, phone, public_url) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&u.code)
            .bind(&u.center)
            .bind(&u.name)
            .bind(&u.parent_code)
            .bind(&u.kind)
            .bind(u.handles_cases)
            .bind(&u.phone)
            .bind(&u.public_url)
            .execute(&mut *c)
            .await?;
            bump_cache_version!(c, "units");
            Ok(())
        })
    }

    /// Changes a unit's name, whether it handles cases, its phone and (a center's) public
    /// address; the code, center, parent and kind stay.
    pub async fn update_unit(&self, u: &UnitRow) -> Result<()> {
        let u = u.clone();
        write_db!(self, |c| {
            let n = sqlx::query(
                "UPDATE units SET name = $2, handles_cases = $3, phone = $4, public_url = $5 WHERE code = $1",
            )
            .bind(&u.code)
            .bind(&u.name)
            .bind(u.handles_cases)
            .bind(&u.phone)
            .bind(&u.public_url)
            .execute(&mut *c)
            .await?
            .rows_affected();
            found(n)?;
            bump_cache_version!(c, "units");
            Ok(())
        })
    }

    /// Units of one center (or all), in insertion order, which lists the tree parents first.
    pub async fn units(&self, center: Option<&str>) -> Result<Vec<UnitRow>> {
        Ok(read_db!(self, |ex| {
            sqlx::query_as(concat!(
                "SELECT ",
                unit_columns!(),
                " FROM units WHERE $1 IS NULL OR center = $1 ORDER BY id"
            ))
            .bind(center)
            .fetch_all(ex)
            .await?
        }))
    }

    pub async fn unit(&self, code: &str) -> Result<UnitRow> {
        Ok(read_db!(self, |ex| {
            sqlx::query_as(concat!("SELECT ", unit_columns!(), " FROM units WHERE code = $1"))
                .bind(code)
                .fetch_one(ex)
                .await?
        }))
    }

    /// Distinct center codes (SPEC §2: one deployment may host several centers).
    pub async fn centers(&self) -> Result<Vec<String>> {
        Ok(read_db!(self, |ex| {
            sqlx::query_scalar("SELECT DISTINCT center FROM units ORDER BY center").fetch_all(ex).await?
        }))
    }

    // ---- users ----

    /// Fails with `Duplicate { constraint: "users_username" }`; the unit must exist.
    pub async fn insert_user(&self, center: &str, u: &NewUser, now: DateTime<Utc>) -> Result<UserRow> {
        let (center, u, now) = (center.to_owned(), u.clone(), secs(now));
        write_db!(self, |c| {
            Ok(sqlx::query_as(concat!(
                "INSERT INTO users (username, display_name, role, unit_code, center, \
                 password_hash, must_change_password, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 RETURNING ",
                user_columns!()
            ))
            .bind(&u.username)
            .bind(&u.display_name)
            .bind(&u.role)
            .bind(&u.unit_code)
            .bind(&center)
            .bind(&u.password_hash)
            .bind(u.must_change_password)
            .bind(now)
            .fetch_one(&mut *c)
            .await?)
        })
    }

    pub async fn user_by_name(&self, username: &str) -> Result<UserRow> {
        Ok(read_db!(self, |ex| {
            sqlx::query_as(concat!("SELECT ", user_columns!(), " FROM users WHERE username = $1"))
                .bind(username)
                .fetch_one(ex)
                .await?
        }))
    }

    pub async fn user_by_id(&self, id: i64) -> Result<UserRow> {
        Ok(read_db!(self, |ex| {
            sqlx::query_as(concat!("SELECT ", user_columns!(), " FROM users WHERE id = $1"))
                .bind(id)
                .fetch_one(ex)
                .await?
        }))
    }

    pub async fn users(&self, center: &str) -> Result<Vec<UserRow>> {
        Ok(read_db!(self, |ex| {
            sqlx::query_as(concat!("SELECT ", user_columns!(), " FROM users WHERE center = $1 ORDER BY id"))
                .bind(center)
                .fetch_all(ex)
                .await?
        }))
    }

    /// Sets a password hash; `must_change`: an admin set it, and the user is to choose their own.
    pub async fn set_password(&self, user_id: i64, hash: &str, must_change: bool) -> Result<()> {
        let hash = hash.to_owned();
        write_db!(self, |c| {
            found(
                sqlx::query("UPDATE users SET password_hash = $2, must_change_password = $3 WHERE id = $1")
                    .bind(user_id)
                    .bind(&hash)
                    .bind(must_change)
                    .execute(&mut *c)
                    .await?
                    .rows_affected(),
            )
        })
    }

    pub async fn set_user_disabled(&self, user_id: i64, disabled: bool) -> Result<()> {
        write_db!(self, |c| {
            found(
                sqlx::query("UPDATE users SET disabled = $2 WHERE id = $1")
                    .bind(user_id)
                    .bind(disabled)
                    .execute(&mut *c)
                    .await?
                    .rows_affected(),
            )
        })
    }

    /// Changes a user's role and unit (the unit must exist: foreign key).
    pub async fn update_user_role(&self, user_id: i64, role: &str, unit_code: &str) -> Result<()> {
        let (role, unit_code) = (role.to_owned(), unit_code.to_owned());
        write_db!(self, |c| {
            found(
                sqlx::query("UPDATE users SET role = $1, unit_code = $2 WHERE id = $3")
                    .bind(&role)
                    .bind(&unit_code)
                    .bind(user_id)
                    .execute(&mut *c)
                    .await?
                    .rows_affected(),
            )
        })
    }

    // ---- tokens (only the hash of the secret is stored) ----

    pub async fn insert_token(&self, t: &TokenRow) -> Result<()> {
        let t = t.clone();
        write_db!(self, |c| {
            sqlx::query(
                "INSERT INTO tokens (token_hash, user_id, created_at, expires_at, revoked_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&t.token_hash)
            .bind(t.user_id)
            .bind(secs(t.created_at))
            .bind(secs(t.expires_at))
            .bind(t.revoked_at.map(secs))
            .execute(&mut *c)
            .await?;
            Ok(())
        })
    }

    pub async fn token(&self, token_hash: &str) -> Result<TokenRow> {
        Ok(read_db!(self, |ex| {
            sqlx::query_as(
                "SELECT token_hash, user_id, created_at, expires_at, revoked_at FROM tokens \
                 WHERE token_hash = $1",
            )
            .bind(token_hash)
            .fetch_one(ex)
            .await?
        }))
    }

    /// Revokes a token; the first revocation time is kept.
    pub async fn revoke_token(&self, token_hash: &str, at: DateTime<Utc>) -> Result<()> {
        let (token_hash, at) = (token_hash.to_owned(), secs(at));
        write_db!(self, |c| {
            found(
                sqlx::query("UPDATE tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE token_hash = $1")
                    .bind(&token_hash)
                    .bind(at)
                    .execute(&mut *c)
                    .await?
                    .rows_affected(),
            )
        })
    }

    /// Revokes every live token of a user but `keep` (a password change ends the other sessions;
    /// a reset, with `keep` None, all of them). Returns the hashes revoked.
    pub async fn revoke_user_tokens(
        &self,
        user_id: i64,
        keep: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        let (at, keep) = (secs(at), keep.unwrap_or("").to_owned());
        write_db!(self, |c| {
            Ok(sqlx::query_scalar(
                "UPDATE tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL \
                 AND token_hash <> $3 RETURNING token_hash",
            )
            .bind(user_id)
            .bind(at)
            .bind(&keep)
            .fetch_all(&mut *c)
            .await?)
        })
    }

    // ---- calendar and deadline policy ----

    /// Imports a year's schedule or replaces it (a correction), with its provenance.
    pub async fn upsert_calendar_year(&self, y: &CalendarYearRow) -> Result<()> {
        let y = y.clone();
        write_db!(self, |c| {
            sqlx::query(
                "INSERT INTO calendar_years (year, data, source, imported_at, imported_by) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (year) DO UPDATE SET \
                 data = excluded.data, source = excluded.source, \
                 imported_at = excluded.imported_at, imported_by = excluded.imported_by",
            )
            .bind(y.year)
            .bind(&y.data)
            .bind(&y.source)
            .bind(secs(y.imported_at))
            .bind(&y.imported_by)
            .execute(&mut *c)
            .await?;
            bump_cache_version!(c, "calendar");
            Ok(())
        })
    }

    /// All imported years, ascending.
    pub async fn calendar_years(&self) -> Result<Vec<CalendarYearRow>> {
        Ok(read_db!(self, |ex| {
            sqlx::query_as(
                "SELECT year, data, source, imported_at, imported_by FROM calendar_years \
                 ORDER BY year",
            )
            .fetch_all(ex)
            .await?
        }))
    }

    /// Fails with `Duplicate { constraint: "policies_center_version" }`.
    pub async fn insert_policy(&self, p: &PolicyRow) -> Result<()> {
        let p = p.clone();
        write_db!(self, |c| {
            sqlx::query(
                "INSERT INTO policies (center, version, data, created_at, created_by) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&p.center)
            .bind(p.version)
            .bind(Json(&p.data))
            .bind(secs(p.created_at))
            .bind(&p.created_by)
            .execute(&mut *c)
            .await?;
            bump_cache_version!(c, "policies");
            Ok(())
        })
    }

    /// A center's policy versions, ascending.
    pub async fn policies(&self, center: &str) -> Result<Vec<PolicyRow>> {
        Ok(read_db!(self, |ex| {
            sqlx::query_as(
                "SELECT center, version, data, created_at, created_by FROM policies \
                 WHERE center = $1 ORDER BY version",
            )
            .bind(center)
            .fetch_all(ex)
            .await?
        }))
    }
}
