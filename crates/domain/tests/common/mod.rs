//! The world of the rule tests: the seeded units, staff of each role, a calendar and policy,
//! and helpers that register a case and act on it through `decide`, checking every decision's
//! case against the fold of its events (SPEC §4.6).
#![allow(dead_code, unused_imports)]

pub use bancheng_domain::calendar::Calendar;
pub use bancheng_domain::case::*;
pub use bancheng_domain::deadline::{ClockOutcome, DeadlineKind, Urgency, standing};
pub use bancheng_domain::policy::DeadlinePolicy;
pub use bancheng_domain::unit::OrgUnit;
pub use bancheng_domain::{Actor, DomainError, Role};
pub use bancheng_testkit::time::{at, day};
pub use chrono::{DateTime, NaiveDate, Utc};

pub const CENTER: &str = "nxzx";

/// The seeded units that matter here: the service areas handle cases (SPEC §7), the county body
/// is outside the center, the rest (center, window, office, 督查股) receive none.
pub fn units() -> Vec<OrgUnit> {
    let mut v: Vec<OrgUnit> =
        ["nxzx", "bbcs", "ywg", "dcg"].iter().map(|c| OrgUnit::new(c, false, false)).collect();
    v.extend(["sw", "ga", "sb", "bdc"].iter().map(|c| OrgUnit::new(c, true, false)));
    v.push(OrgUnit::new("xyhb", false, true));
    v
}

pub fn actor(name: &str, role: Role, unit: &str) -> Actor {
    Actor { username: name.into(), role, unit: unit.into(), center: CENTER.into() }
}

pub fn window() -> Actor {
    actor("lisu", Role::Window, "bbcs")
}
pub fn office() -> Actor {
    actor("cuixy", Role::Office, "ywg")
}
pub fn office2() -> Actor {
    actor("ywg2", Role::Office, "ywg")
}
pub fn handler(unit: &str) -> Actor {
    actor(&format!("h_{unit}"), Role::Handler, unit)
}

pub struct World {
    pub cal: Calendar,
    pub policy: DeadlinePolicy,
    pub units: Vec<OrgUnit>,
}

impl World {
    pub fn new() -> World {
        World { cal: Calendar::official(), policy: DeadlinePolicy::default(), units: units() }
    }

    pub fn ctx<'a>(&'a self, a: &'a Actor, now: DateTime<Utc>) -> Ctx<'a> {
        Ctx { actor: a, now, policy: &self.policy, calendar: &self.cal, units: &self.units }
    }

    pub fn fold(&self, case: Case, d: &Decision, a: &Actor, now: DateTime<Utc>) -> Case {
        let folded = fold(case, &d.events, a, now);
        // SPEC §4.6: the decision's case is the fold of its events (numbers aside).
        assert_eq!(Case { number: folded.number.clone(), ..d.case.clone() }, folded);
        folded
    }

    pub fn register(&self, now: DateTime<Utc>) -> Case {
        let a = window();
        let d = register(&sample(), &self.ctx(&a, now), &[]).expect("register");
        let mut c = self.fold(blank(), &d, &a, now);
        c.number = "2026093001".into();
        c
    }

    pub fn act(&self, case: &Case, a: &Actor, cmd: Command, now: DateTime<Utc>) -> Result<Case, DomainError> {
        let d = decide(case, &cmd, &self.ctx(a, now))?;
        Ok(self.fold(case.clone(), &d, a, now))
    }

    pub fn ok(&self, case: &Case, a: &Actor, cmd: Command, now: DateTime<Utc>) -> Case {
        self.act(case, a, cmd.clone(), now).unwrap_or_else(|e| panic!("{cmd:?} by {a:?}: {e:?}"))
    }
}

pub fn sample() -> Registration {
    Registration {
        applicant_name: "张三".into(),
        phone: "13812345678".into(),
        description: "办理营业执照变更三次未办成".into(),
        matter: Some("营业执照变更".into()),
        ..Default::default()
    }
}

/// A placeholder that `Registered` replaces.
pub fn blank() -> Case {
    let w = World::new();
    let a = window();
    let d = register(&sample(), &w.ctx(&a, at(2026, 1, 5, 9)), &[]).unwrap();
    match &d.events[0] {
        CaseEvent::Registered { case } => (**case).clone(),
        _ => unreachable!(),
    }
}

pub fn dispatch(unit: &str, level: Level) -> Command {
    Command::Dispatch { unit: unit.into(), co_units: vec![], level }
}

pub fn due(case: &Case, kind: DeadlineKind) -> NaiveDate {
    case.deadlines.iter().rev().find(|d| d.kind == kind).unwrap_or_else(|| panic!("no {kind:?}")).due
}

pub fn met(case: &Case, kind: DeadlineKind) -> Option<bool> {
    case.deadlines.iter().rev().find(|d| d.kind == kind).unwrap().met
}
