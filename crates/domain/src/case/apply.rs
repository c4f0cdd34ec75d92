//! `apply`: how each event changes the case (SPEC §4.6: the case is the fold of its events).
//! The one fold of the code base: `decide`'s draft, the use cases and `replay` all use it.

use chrono::{DateTime, Utc};

use super::commands::correction::touches_confirmed;
use super::event::{CaseEvent, RecordedEvent};
use super::register::set_case_field;
use super::types::*;
use crate::actor::Actor;
use crate::deadline::{DeadlineKind, Superseded};

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
        CaseEvent::Escalated { to, unit, co_units, .. } => {
            case.level = *to;
            if let Some(cos) = co_units {
                case.co_units = cos.clone();
            }
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
                round: case.round,
                outcome: *outcome,
                level: case.level,
                unit: case.unit.clone(),
                by: stamp(),
                reply: reply.clone(),
            });
        }
        CaseEvent::Confirmed { by, .. } => {
            case.confirmation = Some(Stamp { by: by.clone(), at: rec.at });
            case.reconfirm = false;
        }
        CaseEvent::Verified { note: n } => {
            case.status = Status::Verified;
            case.verification = Some(note(n));
        }
        CaseEvent::SentBack { note: n } => {
            case.status = Status::Dispatched;
            case.verification = Some(note(n));
            case.outcome = None;
            case.round += 1;
        }
        CaseEvent::Visited { reached, satisfaction, comment } => case.visits.push(Visit {
            reached: *reached,
            satisfaction: *satisfaction,
            comment: comment.clone(),
            by: stamp(),
            role: rec.actor_role.clone(),
            sampled: case.status == Status::Closed,
            round: case.round,
        }),
        CaseEvent::Reopened { unit, note: n } => {
            case.reopened = Some(note(n));
            case.status = Status::Dispatched;
            case.reopen_count += 1;
            case.round += 1;
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
            // The round is the fold's (logs from before 核查 sent back opened rounds say less).
            d.round = case.round;
            case.deadlines.push(d);
        }
        CaseEvent::DeadlineClosed { id, met } => {
            // Logs from before `DeadlineSuperseded` closed a clock this way also when a change
            // of level, unit or round closed it: read each in the light of what caused it. Its
            // act is a reply given at this instant (any clock), or a feedback (the first-feedback
            // clock); anything else superseded it (SPEC §7).
            let replied =
                case.status == Status::Resolved && case.reply.as_ref().is_some_and(|r| r.by.at == rec.at);
            let fed_back = case.feedback.last().is_some_and(|f| f.by.at == rec.at);
            if let Some(d) = case.deadlines.iter_mut().find(|d| d.id == *id) {
                let act = replied || fed_back && d.kind == DeadlineKind::FirstFeedback;
                d.met = Some(*met && act);
                d.superseded = (!act).then(|| Superseded { in_time: d.in_time(rec.at), by: None });
                d.closed_at = Some(rec.at);
            }
        }
        CaseEvent::DeadlineSuperseded { id, in_time, by } => {
            if let Some(d) = case.deadlines.iter_mut().find(|d| d.id == *id) {
                d.met = Some(false);
                d.superseded = Some(Superseded { in_time: *in_time, by: Some(*by) });
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
        CaseEvent::Voided { reason } => {
            case.status = Status::Voided;
            case.withdrawn = Some(note(reason));
        }
        CaseEvent::Merged { into, reason } => {
            case.status = Status::Merged;
            case.merged_into = Some(into.clone());
            case.withdrawn = Some(note(reason));
        }
        CaseEvent::DuplicateMerged { number, .. } => case.merged_from.push(number.clone()),
        CaseEvent::Corrected { changes, .. } => {
            for c in changes {
                set_case_field(case, &c.field, c.to.clone());
            }
            // What the applicant confirmed changed: their confirmation is asked for again.
            if touches_confirmed(changes) && case.confirmation.take().is_some() {
                case.reconfirm = true;
            }
        }
        CaseEvent::AttachmentAdded { id, name, mime, size, sha256 } => case.attachments.push(Attachment {
            id: *id,
            name: name.clone(),
            mime: mime.clone(),
            size: *size,
            sha256: sha256.clone(),
            by: stamp(),
        }),
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
