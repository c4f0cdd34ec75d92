//! The case (事项) of SPEC §3 and its lifecycle (SPEC §4).

mod available;
mod command;
mod decide;
mod event;
mod types;

pub use available::available_actions;
pub use command::{ACTIONS, Command, Registration, action_label};
pub use decide::{
    Ctx, Decision, EarlierCase, Notification, apply, decide, may_read, register, replay, view_of,
};
pub use event::{CaseEvent, RecordedEvent};
pub use types::*;
