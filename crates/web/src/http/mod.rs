//! What every surface (`api`, `ui`, later `public` and `open311`) shares and none owns: the
//! error shape, the extractors, the request id, the case-action parser and the case-list query.
//! Nothing here imports a surface.

pub mod action;
pub mod client;
pub mod error;
pub mod extract;
pub mod query;
pub mod request_id;
pub mod view;
