//! Several steps on one case decided in memory and committed at once: an imported history, or
//! demo data. Each step is decided exactly as [`App::act`] decides it; the commit writes what the
//! steps one by one would have written.

use bancheng_domain::Actor;
use bancheng_domain::case::{self, Case, Command};
use bancheng_domain::deadline::local_day;
use bancheng_store::model::{NewEvent, NewNotification};

use crate::cases::{row_of, to_new_events, to_notes};
use crate::facts::fact_rows;
use crate::{App, Result};

/// Steps on one case decided in memory and committed at once ([`App::history`]): an imported
/// history, or demo data.
pub struct History {
    before: Case,
    case: Case,
    version: i64,
    steps: i64,
    events: Vec<NewEvent>,
    notes: Vec<NewNotification>,
}

impl App {
    /// Starts a [`History`]: several steps on one case, decided one after another exactly as
    /// [`App::act`] decides them (each by its actor at the clock's instant), committed at once.
    pub async fn history(&self, actor: &Actor, number: &str) -> Result<History> {
        let (case, version) = self.load(actor, number).await?;
        Ok(History { before: case.clone(), case, version, steps: 0, events: vec![], notes: vec![] })
    }

    /// Decides one step of a history in memory (a refusal leaves the history as it was).
    pub async fn history_act(&self, h: &mut History, actor: &Actor, cmd: &Command) -> Result<()> {
        case::may_read(&h.case, actor)?;
        let cmd = self.resolved(actor, cmd).await?;
        let now = self.now();
        let cal = self.calendar();
        let policy = self.policy(&h.case.center);
        let units = self.org_units(&h.case.center);
        let d = case::decide(&h.case, &cmd, &self.ctx(actor, now, &policy, &cal, &units))?;
        if d.events.is_empty() {
            return Ok(());
        }
        h.events.extend(to_new_events(&d, actor, now));
        h.notes.extend(to_notes(&d).into_iter().map(|n| NewNotification { at: Some(now), ..n }));
        h.steps += 1;
        h.case = d.case;
        Ok(())
    }

    /// Commits a history: the case row as the last step leaves it (its version counting every
    /// step, as step-by-step commits would), every event with its own actor and instant, every
    /// message owed — the same rows as [`App::act`] step by step.
    pub async fn commit_history(&self, h: History) -> Result<i64> {
        if h.steps == 0 {
            return Ok(h.version);
        }
        let now = self.now();
        let mut row = row_of(&h.case, h.version + h.steps, local_day(now), now)?;
        row.facts = fact_rows(&h.case, Some(&h.before));
        Ok(self.store().commit(h.version, row, h.events, h.notes).await?.version)
    }
}
