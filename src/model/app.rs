//! An app: the connector being configured.

/// The connector a developer is building; it owns authorizations and endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    pub id: i64,
    pub name: String,
    pub description: String,
}

/// The name of the app created on first start.
pub const FIRST_APP_NAME: &str = "My App";
