//! The scheduler's commands. SPEC §4.2 practice: 催办 the day after a deadline passes (to the
//! unit and its lead); still overdue `notice_after_overdue` working days after that: flagged for
//! 通报, each exactly once. SPEC §4.3: after a calendar import, open deadlines follow the new
//! schedule, each change an event.

use chrono::Days;

use crate::actor::Role;
use crate::case::decide::Draft;
use crate::case::event::CaseEvent;
use crate::case::outbox::{Message, Recipient};
use crate::deadline::{Deadline, DeadlineKind};

pub(super) fn tick(w: &mut Draft<'_>) {
    let today = w.today();
    let p = w.ctx.policy;
    let cal = w.ctx.calendar;
    let number = w.number();
    let unit = w.case.unit.clone();
    let open: Vec<Deadline> = w.case.open_deadlines().cloned().collect();
    for dl in open {
        if today <= dl.due {
            continue;
        }
        if !dl.reminded {
            let contacted = w.case.contacts.iter().any(|c| dl.in_time(c.by.at));
            w.emit(CaseEvent::Reminded { deadline_id: dl.id, contacted, unit: unit.clone() });
            let message = Message::Reminder { number: number.clone(), deadline: dl.kind, due: dl.due };
            match &unit {
                Some(u) => {
                    w.notify(Recipient::Unit(u.clone()), message.clone());
                    w.notify(Recipient::UnitLead(u.clone()), message);
                }
                None => w.notify(Recipient::Role(Role::Office), message),
            }
        }
        let day_after = dl.due.checked_add_days(Days::new(1)).unwrap_or(dl.due);
        let flag_day = cal.add_workdays_provisional(day_after, p.notice_after_overdue).date;
        if !dl.notice_flagged && today >= flag_day {
            w.emit(CaseEvent::NoticeFlagged { deadline_id: dl.id });
            w.notify(
                Recipient::Role(Role::Office),
                Message::NoticeFlag { number: number.clone(), workdays: p.notice_after_overdue },
            );
        }
    }
}

pub(super) fn recompute_deadlines(w: &mut Draft<'_>) {
    let cal = w.ctx.calendar;
    let open: Vec<Deadline> = w.before.open_deadlines().cloned().collect();
    for dl in open {
        let Some(from) = dl.from else { continue };
        if dl.kind == DeadlineKind::Supervision || dl.extended_from.is_some() {
            continue; // fixed dates, not working-day terms
        }
        let now = cal.add_workdays_provisional(from, dl.workdays);
        if now.date != dl.due || now.provisional != dl.provisional {
            w.emit(CaseEvent::DeadlineRecomputed {
                id: dl.id,
                from: dl.due,
                to: now.date,
                provisional: now.provisional,
            });
        }
    }
}
