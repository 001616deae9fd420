//! The data the screens show: the store and the current app's lists cached from it. The only code
//! that touches the store; the panes read the cached lists and ask for changes as [`Job`]s, whose
//! [`Outcome`] comes back to the pane that asked.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::flow::{Connection, FlowReport, RecordedRun, TestRun};
use crate::model::{self, AuthConfig, Authorization, Endpoint, EndpointPurpose};
use crate::store::{ImportSummary, Store, StoreError, TransferError};

/// A change to the store (or a read that replaces the cached lists), asked for by a pane.
#[derive(Debug)]
pub enum Job {
    /// Show another app: its lists replace the cached ones.
    SwitchApp(i64),
    /// A new app (with its API-Key authorization), which becomes the current one.
    CreateApp(String),
    RenameApp {
        id: i64,
        name: String,
    },
    DeleteApp(i64),
    /// Creates (no `id`) or updates an authorization of the current app.
    SaveAuthorization {
        id: Option<i64>,
        name: String,
        config: AuthConfig,
    },
    DeleteAuthorization(i64),
    /// Creates (id 0) or updates an endpoint of the current app.
    SaveEndpoint(Endpoint),
    DeleteEndpoint(i64),
    DeleteConnection(i64),
    /// Keeps a finished run: its test run, and its tokens as a connection.
    RecordFlow(Box<FlowReport>),
    /// Writes the current app's export (secrets left out) to `path`; over an existing file only
    /// when `replace`.
    Export {
        path: PathBuf,
        replace: bool,
    },
    Import {
        path: PathBuf,
    },
    /// The recorded runs of an authorization, newest first.
    LoadRuns {
        authorization_id: i64,
    },
}

/// What a job did.
#[derive(Debug)]
pub enum Done {
    /// The app shown now (switched to, or created).
    Switched {
        name: String,
    },
    /// An app, authorization or endpoint created or saved, by id.
    Saved {
        id: i64,
    },
    Renamed,
    Deleted(Deleted),
    /// The run and whether it was kept (its report gained the Save step when it got tokens).
    Recorded {
        report: Box<FlowReport>,
        recorded: Result<RecordedRun, StoreError>,
    },
    Exported {
        path: PathBuf,
    },
    Imported(ImportSummary),
    Runs {
        authorization_id: i64,
        runs: Vec<TestRun>,
    },
}

/// What was deleted, for the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    App,
    Authorization,
    Endpoint,
    Connection,
}

/// Why a job did nothing.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Transfer(#[from] TransferError),
    /// An export would overwrite this file: ask first.
    #[error("{} exists.", .0.display())]
    Exists(PathBuf),
    #[error("Cannot write {}: {source}. Check the folder exists and is writable.", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error("Cannot read {}: {source}.", path.display())]
    Read { path: PathBuf, source: std::io::Error },
}

pub type Outcome = Result<Done, JobError>;

/// An entry of the endpoint list opened from a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickerEntry {
    None,
    Endpoint(i64),
    Create,
}

pub struct Data {
    store: Store,
    pub apps: Vec<model::App>,
    /// The app whose lists are cached (the one shown).
    pub app_id: i64,
    pub authorizations: Vec<Authorization>,
    pub endpoints: Vec<Endpoint>,
    pub connections: Vec<Connection>,
    /// How many authorizations each app has.
    pub counts: HashMap<i64, usize>,
}

impl Data {
    /// Loads the apps (creating the first one on a new database) and the first app's lists.
    pub fn load(mut store: Store) -> Result<Data, StoreError> {
        let apps = store.apps_or_first()?;
        let app_id = apps.first().map(|a| a.id).unwrap_or_default();
        let mut data = Data {
            store,
            apps,
            app_id,
            authorizations: Vec::new(),
            endpoints: Vec::new(),
            connections: Vec::new(),
            counts: HashMap::new(),
        };
        data.reload()?;
        Ok(data)
    }

    /// The store, for tests that arrange data before driving the app.
    #[doc(hidden)]
    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// Re-reads the apps and the current app's lists.
    pub fn reload(&mut self) -> Result<(), StoreError> {
        self.apps = self.store.apps()?;
        if !self.apps.iter().any(|a| a.id == self.app_id) {
            // The current app is gone (deleted here or elsewhere): show the first.
            self.app_id = self.apps.first().map(|a| a.id).unwrap_or_default();
        }
        self.authorizations = self.store.authorizations(self.app_id)?;
        self.endpoints = self.store.endpoints(self.app_id)?;
        self.connections = self.store.connections(self.app_id)?;
        self.counts = self.store.authorization_counts()?;
        Ok(())
    }

    /// Does a job and re-reads what it changed.
    pub fn run(&mut self, job: Job) -> Outcome {
        let reads_only = matches!(job, Job::LoadRuns { .. });
        let done = self.perform(job)?;
        if !reads_only {
            self.reload()?;
        }
        Ok(done)
    }

    fn perform(&mut self, job: Job) -> Outcome {
        let app_id = self.app_id;
        let store = &mut self.store;
        Ok(match job {
            Job::SwitchApp(id) => {
                self.app_id = id;
                Done::Switched {
                    name: self.apps.iter().find(|a| a.id == id).map(|a| a.name.clone()).unwrap_or_default(),
                }
            }
            Job::CreateApp(name) => {
                let app = store.create_app(&name)?;
                self.app_id = app.id;
                Done::Switched { name: app.name }
            }
            Job::RenameApp { id, name } => {
                store.rename_app(id, &name)?;
                Done::Renamed
            }
            Job::DeleteApp(id) => {
                store.delete_app(id)?;
                Done::Deleted(Deleted::App)
            }
            Job::SaveAuthorization { id: Some(id), name, mut config } => {
                // Fields the form doesn't show (a preset's refresh endpoint, kept values, callback
                // signature) are kept as stored.
                if let Ok(stored) = store.authorization(id) {
                    config.carry_over_unshown(&stored.config);
                }
                store.update_authorization(id, &name, &config)?;
                Done::Saved { id }
            }
            Job::SaveAuthorization { id: None, name, config } => {
                Done::Saved { id: store.insert_authorization(app_id, &name, &config)? }
            }
            Job::DeleteAuthorization(id) => {
                store.delete_authorization(id)?;
                Done::Deleted(Deleted::Authorization)
            }
            Job::SaveEndpoint(endpoint) if endpoint.id != 0 => {
                let id = endpoint.id;
                store.update_endpoint(&Endpoint { app_id, ..endpoint })?;
                Done::Saved { id }
            }
            Job::SaveEndpoint(endpoint) => Done::Saved { id: store.insert_endpoint(&Endpoint { app_id, ..endpoint })? },
            Job::DeleteEndpoint(id) => {
                store.delete_endpoint(id)?;
                Done::Deleted(Deleted::Endpoint)
            }
            Job::DeleteConnection(id) => {
                store.delete_connection(id)?;
                Done::Deleted(Deleted::Connection)
            }
            Job::RecordFlow(mut report) => {
                let recorded = store.record_flow(&mut report);
                Done::Recorded { report, recorded }
            }
            Job::Export { path, replace } => {
                if !replace && path.exists() {
                    return Err(JobError::Exists(path));
                }
                let app = self.apps.iter().find(|a| a.id == app_id).map(|a| a.name.clone());
                let text = store.export_json(app.as_deref(), false)?;
                std::fs::write(&path, text).map_err(|source| JobError::Write { path: path.clone(), source })?;
                Done::Exported { path }
            }
            Job::Import { path } => {
                let text =
                    std::fs::read_to_string(&path).map_err(|source| JobError::Read { path: path.clone(), source })?;
                Done::Imported(store.import_json(&text)?)
            }
            Job::LoadRuns { authorization_id } => {
                Done::Runs { authorization_id, runs: store.test_runs(authorization_id, RUN_HISTORY)? }
            }
        })
    }

    pub fn current_app(&self) -> Option<&model::App> {
        self.apps.iter().find(|a| a.id == self.app_id)
    }

    pub fn authorization(&self, id: i64) -> Option<&Authorization> {
        self.authorizations.iter().find(|a| a.id == id)
    }

    pub fn endpoint(&self, id: i64) -> Option<&Endpoint> {
        self.endpoints.iter().find(|e| e.id == id)
    }

    pub fn connection(&self, id: i64) -> Option<&Connection> {
        self.connections.iter().find(|c| c.id == id)
    }

    pub fn endpoint_name(&self, id: i64) -> Option<&str> {
        self.endpoint(id).map(|e| e.name.as_str())
    }

    /// The names of the authorizations that use an endpoint.
    pub fn endpoint_users(&self, id: i64) -> Vec<String> {
        self.authorizations
            .iter()
            .filter(|a| {
                let (token, userinfo) = a.config.endpoint_ids();
                token == Some(id) || userinfo == Some(id)
            })
            .map(|a| a.name.clone())
            .collect()
    }

    /// The entries of the endpoint list for a field: endpoints of that purpose first, then the others,
    /// "none" where the field is optional, and "Create a new endpoint" last.
    pub fn picker_entries(&self, purpose: EndpointPurpose) -> Vec<PickerEntry> {
        let mut entries = Vec::new();
        if purpose != EndpointPurpose::Token {
            entries.push(PickerEntry::None);
        }
        let (same, other): (Vec<&Endpoint>, Vec<&Endpoint>) = self.endpoints.iter().partition(|e| e.purpose == purpose);
        entries.extend(same.into_iter().chain(other).map(|e| PickerEntry::Endpoint(e.id)));
        entries.push(PickerEntry::Create);
        entries
    }

    /// A new endpoint of this app for `purpose`, pre-filled, with a name no endpoint has yet.
    pub fn new_endpoint(&self, purpose: EndpointPurpose) -> Endpoint {
        let template = Endpoint::new_for(purpose);
        let name = free_name(&template.name, self.endpoints.iter().map(|e| e.name.as_str()));
        Endpoint { app_id: self.app_id, name, ..template }
    }

    /// `base`, or `base 2`, `base 3`… whichever no authorization of this app is called.
    pub fn free_authorization_name(&self, base: &str) -> String {
        free_name(base, self.authorizations.iter().map(|a| a.name.as_str()))
    }
}

/// How many past runs the history shows.
const RUN_HISTORY: usize = 50;

/// `base`, or `base 2`, `base 3`… whichever no name in `taken` is.
fn free_name<'a>(base: &str, taken: impl Iterator<Item = &'a str> + Clone) -> String {
    std::iter::once(base.to_owned())
        .chain((2..).map(|n| format!("{base} {n}")))
        .find(|candidate| !taken.clone().any(|t| t == candidate))
        .unwrap_or_else(|| base.to_owned())
}
