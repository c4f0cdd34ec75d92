//! The case (事项) of SPEC §3 and its lifecycle (SPEC §4).
//!
//! Where the rules are: `action.rs` (the action vocabulary: codes, labels, articles, roles),
//! `permission.rs` (SPEC §2), `register.rs` (第一条 登记), `decide.rs` (the command pipeline),
//! `commands/` (the rules of each command group), `clocks.rs` (which deadlines a level starts),
//! `apply.rs` (how each event changes the case), `outbox.rs` (who is owed which message),
//! `available.rs` (the UI's actions, derived from `decide`), `facts.rs` (the rows derived for
//! queries), `filter.rs` (the list and ledger filters).

mod action;
mod apply;
mod available;
mod clocks;
mod command;
mod commands;
mod decide;
mod event;
mod facts;
mod filter;
mod outbox;
mod permission;
mod register;
mod types;

pub use action::{ACTION_TABLE, ACTIONS, Action, ActionDef, action_label};
pub use apply::{apply, fold, record, replay};
pub use available::available_actions;
pub use command::{Command, Registration};
pub use commands::correction::{ATTACHMENT_TYPES, absorb, sniff};
pub use decide::{Ctx, Decision, decide};
pub use event::{CaseEvent, FieldChange, RecordedEvent};
pub use facts::*;
pub use filter::{CASE_FILTERS, FilterDef, OPEN_STATUSES, filter_def};
pub use outbox::{Channel as MessageChannel, Message, Notification, Recipient};
pub use permission::{may_read, may_read_cases, may_register, require_case_reader, view_of};
pub use register::{
    EarlierCase, REGISTRATION_FIELDS, RegField, case_field, register, registration_errors, registration_field,
};
pub use types::*;
