//! View helpers shared by the pages and the Excel export.

use std::collections::HashMap;

use crate::AppState;

/// Unit names by code, read once per page (unit codes are unique across centers).
pub struct UnitNames(HashMap<String, String>);

impl UnitNames {
    pub fn of(state: &AppState) -> Self {
        UnitNames(state.app.units().into_iter().map(|u| (u.code, u.name)).collect())
    }

    /// A unit's name (the code itself if unknown).
    pub fn name(&self, code: &str) -> String {
        self.0.get(code).cloned().unwrap_or_else(|| code.to_owned())
    }
}
