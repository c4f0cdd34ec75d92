//! `apply`: how each event changes the case (SPEC §4.6: the case is the fold of its events).
//! The one fold of the code base: `decide`'s draft, the use cases and `replay` all use it.

use chrono::{DateTime, Utc};

use super::event::{CaseEvent, RecordedEvent};
use super::types::*;
use crate::actor::Actor;

/// An event in its envelope: who and when.
pub fn record(event: CaseEvent, actor: &Actor, at: DateTime<Utc>) -> RecordedEvent {
    RecordedEvent {
        event,
        actor: actor.username.clone(),
        actor_role: actor.role.code().into(),
        actor_unit: actor.unit.clone(),
        at,
    }
}

/// Applies events that one actor caused at one instant (a decision's events) to a case.
pub fn fold(mut case: Case, events: &[CaseEvent], actor: &Actor, at: DateTime<Utc>) -> Case {
    for e in events {
        apply(&mut case, &record(e.clone(), actor, at));
    }
    case
}

/// Folds one event into the case. Pure and total: events were validated when decided.
pub fn apply(case: &mut Case, rec: &RecordedEvent) {
    let stamp = || Stamp { by: rec.actor.clone(), at: rec.at };
    let note = |text: &str| Note { text: text.to_owned(), by: stamp(), unit: rec.actor_unit.clone() };
    match &rec.event {
        CaseEvent::Registered { case: initial } => {
            let number = std::mem::take(&mut case.number);
            *case = (**initial).clone();
            if !number.is_empty() {
                case.number = number;
            }
        }
        CaseEvent::Accepted {} => case.status = Status::Accepted,
        CaseEvent::Dispatched { unit, co_units, level } => {
            case.status = Status::Dispatched;
            case.level = *level;
            if case.unit.as_deref() != Some(unit.as_str()) {
                case.assignee = None;
            }
            case.unit = Some(unit.clone());
            case.co_units = co_units.clone();
            case.dispatched_at = Some(rec.at);
            case.returned = None;
            case.unit_history.push(unit.clone());
        }
        CaseEvent::Returned { reason } => {
            case.status = Status::Returned;
            case.returned = Some(note(reason));
            case.unit = None;
            case.assignee = None;
            case.co_units.clear();
        }
        CaseEvent::ExtensionRequested { deadline_id, workdays, reason, new_due } => {
            case.extension = Some(ExtensionRequest {
                deadline_id: *deadline_id,
                workdays: *workdays,
                reason: reason.clone(),
                requested: stamp(),
                new_due: *new_due,
                state: ReportState::Pending,
                decided: None,
                note: None,
            });
        }
        CaseEvent::ExtensionApproved { .. } => {
            if let Some(e) = &mut case.extension {
                e.state = ReportState::Approved;
                e.decided = Some(stamp());
            }
        }
        CaseEvent::ExtensionRejected { note: n } => {
            if let Some(e) = &mut case.extension {
                e.state = ReportState::Rejected;
                e.decided = Some(stamp());
                e.note = Some(n.clone());
            }
        }
        CaseEvent::Contacted { note: n } => case.contacts.push(note(n)),
        CaseEvent::FeedbackGiven { text } => case.feedback.push(note(text)),
        CaseEvent::Escalated { to, unit, .. } => {
            case.level = *to;
            if let Some(u) = unit {
                if case.unit.as_deref() != Some(u.as_str()) {
                    case.assignee = None;
                }
                case.unit = Some(u.clone());
                case.status = Status::Dispatched;
                case.dispatched_at = Some(rec.at);
                case.unit_history.push(u.clone());
            }
        }
        CaseEvent::NegativeProposed { reasons, basis, excluded } => {
            case.negative = Some(NegativeReport {
                reasons: reasons.clone(),
                basis: basis.clone(),
                excluded: *excluded,
                proposed: stamp(),
                from_status: case.status,
                state: ReportState::Pending,
                decided: None,
                note: None,
            });
            case.status = Status::NegativePending;
        }
        CaseEvent::NegativeApproved {} => {
            if let Some(n) = &mut case.negative {
                n.state = ReportState::Approved;
                n.decided = Some(stamp());
                case.status = n.from_status;
                if n.excluded {
                    case.excluded = Some(n.reasons.clone());
                }
            }
        }
        CaseEvent::NegativeRejected { note: text } => {
            if let Some(n) = &mut case.negative {
                n.state = ReportState::Rejected;
                n.decided = Some(stamp());
                n.note = Some(text.clone());
                case.status = n.from_status;
            }
        }
        CaseEvent::Resolved { outcome, reply } => {
            case.status = Status::Resolved;
            case.outcome = Some(*outcome);
            case.reply = Some(note(reply));
            case.resolutions.push(Resolution {
                round: case.reopen_count,
                outcome: *outcome,
                level: case.level,
                unit: case.unit.clone(),
                by: stamp(),
            });
        }
        CaseEvent::Confirmed { by, .. } => case.confirmation = Some(Stamp { by: by.clone(), at: rec.at }),
        CaseEvent::Verified { note: n } => {
            case.status = Status::Verified;
            case.verification = Some(note(n));
        }
        CaseEvent::SentBack { note: n } => {
            case.status = Status::Dispatched;
            case.verification = Some(note(n));
            case.outcome = None;
        }
        CaseEvent::Visited { reached, satisfaction, comment } => case.visits.push(Visit {
            reached: *reached,
            satisfaction: *satisfaction,
            comment: comment.clone(),
            by: stamp(),
            role: rec.actor_role.clone(),
            sampled: case.status == Status::Closed,
            round: case.reopen_count,
        }),
        CaseEvent::Reopened { unit, .. } => {
            case.status = Status::Dispatched;
            case.reopen_count += 1;
            case.outcome = None;
            case.dispatched_at = Some(rec.at);
            if case.unit.as_deref() != Some(unit.as_str()) {
                case.unit = Some(unit.clone());
                case.assignee = None;
                case.co_units.retain(|u| u != unit);
            }
            case.unit_history.push(unit.clone());
        }
        CaseEvent::Noticed { unit, person, fault, opinion } => case.notices.push(Notice {
            unit: unit.clone(),
            person: person.clone(),
            fault: fault.clone(),
            opinion: opinion.clone(),
            by: stamp(),
        }),
        CaseEvent::Closed {} => case.status = Status::Closed,
        CaseEvent::Assigned { assignee } => case.assignee = Some(assignee.clone()),
        CaseEvent::DeadlineSet { deadline } => {
            let mut d = deadline.clone();
            d.set_by = Some(rec.actor.clone());
            case.deadlines.push(d);
        }
        CaseEvent::DeadlineClosed { id, met } => {
            if let Some(d) = case.deadlines.iter_mut().find(|d| d.id == *id) {
                d.met = Some(*met);
                d.closed_at = Some(rec.at);
            }
        }
        CaseEvent::DeadlineExtended { id, from, to } => {
            if let Some(d) = case.deadlines.iter_mut().find(|d| d.id == *id) {
                d.extended_from = Some(*from);
                d.due = *to;
                d.reminded = false;
                d.notice_flagged = false;
            }
        }
        CaseEvent::DeadlineRecomputed { id, to, provisional, .. } => {
            if let Some(d) = case.deadlines.iter_mut().find(|d| d.id == *id) {
                d.due = *to;
                d.provisional = *provisional;
            }
        }
        CaseEvent::Reminded { deadline_id, .. } => {
            if let Some(d) = case.deadlines.iter_mut().find(|d| d.id == *deadline_id) {
                d.reminded = true;
            }
        }
        CaseEvent::NoticeFlagged { deadline_id } => {
            case.notice_flag = true;
            if let Some(d) = case.deadlines.iter_mut().find(|d| d.id == *deadline_id) {
                d.notice_flagged = true;
            }
        }
        CaseEvent::ProblemRaised { .. } => case.problem = true,
    }
}

/// Rebuilds a case from its whole history (the stored row must equal this).
pub fn replay(number: &str, events: &[RecordedEvent]) -> Option<Case> {
    let mut it = events.iter();
    let first = it.next()?;
    let CaseEvent::Registered { case } = &first.event else {
        return None;
    };
    let mut c = (**case).clone();
    c.number = number.to_owned();
    for e in it {
        apply(&mut c, e);
    }
    Some(c)
}
