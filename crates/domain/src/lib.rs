//! bancheng-domain: the pure rules of the "办不成事"反映窗口 (source: 内政服〔2021〕12号).
//!
//! No IO, no clock, no randomness: time and the calendar are passed in. Every rule cites its
//! source: 第N条 refers to the window's 工作制度 (附件2), 四(三) to the plan's 工作时限, SPEC §x to
//! `shared/SPEC.md`.

pub mod actor;
pub mod calendar;
pub mod case;
pub mod chain;
pub mod deadline;
pub mod error;
pub mod numbering;
pub mod policy;
pub mod unit;
pub mod validate;

pub use actor::{Actor, Role};
pub use error::{DomainError, Result};
