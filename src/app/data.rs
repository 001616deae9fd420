//! The data the screens show: the current app's lists cached from the store, and the store itself
//! on a thread of its own. The only code that touches the store; the panes read the cached lists
//! and ask for changes as [`Job`]s, whose [`Outcome`] comes back (as a message) to the pane that
//! asked. A job waiting for another authdeck's write lock leaves the screen drawing.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc as std_mpsc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::{Message, Origin};
use crate::flow::{Connection, FlowReport, RecordedRun, TestRun};
use crate::model::check::CheckSummary;
use crate::model::discovery::DiscoveryPlan;
use crate::model::preset::AppliedPreset;
use crate::model::redact::Sensitive;
use crate::model::{self, AuthConfig, AuthKind, Authorization, Endpoint, EndpointPurpose};
use crate::store::{AddedPreset, ImportSummary, LAST_APP, RecordOutcome, Store, StoreError, TransferError};

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
    /// Adds a provider preset's authorization and endpoints to the current app.
    AddPreset(Box<PresetRequest>),
    /// Creates or updates the endpoints discovery found for the current app.
    SaveDiscoveredEndpoints(Box<DiscoveryPlan>),
}

/// A provider preset with its questions answered, to add to the current app.
#[derive(Debug)]
pub struct PresetRequest {
    pub title: String,
    pub docs: Vec<String>,
    pub applied: AppliedPreset,
    pub client_id: String,
    pub client_secret: Option<Sensitive<String>>,
    /// The local mock its URLs were pointed at ([`crate::model::preset::BASE_URL_VARIABLE`]), if any.
    pub base_url: Option<String>,
}

/// What adding a preset made, and what to tell the user about it.
#[derive(Debug)]
pub struct PresetAdded {
    pub title: String,
    pub docs: Vec<String>,
    pub notes: Vec<String>,
    pub base_url: Option<String>,
    pub added: AddedPreset,
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
        /// Saved, or why not and where the result is kept instead.
        recorded: Result<RecordedRun, String>,
    },
    Exported {
        path: PathBuf,
    },
    Imported(ImportSummary),
    Runs {
        authorization_id: i64,
        runs: Vec<TestRun>,
    },
    PresetAdded(Box<PresetAdded>),
    /// The endpoints of a discovery plan, saved: the id each purpose has now.
    DiscoveredEndpoints {
        plan: Box<DiscoveryPlan>,
        ids: Vec<(EndpointPurpose, i64)>,
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

/// The lists the screens show, as read from the store for one app.
#[derive(Debug, Default)]
pub struct Lists {
    pub apps: Vec<model::App>,
    /// The app whose lists these are.
    pub app_id: i64,
    pub authorizations: Vec<Authorization>,
    pub endpoints: Vec<Endpoint>,
    pub connections: Vec<Connection>,
    /// The newest `authdeck check` of each connection (and of each authorization checked
    /// without one), newest first.
    pub checks: Vec<CheckSummary>,
    /// How many authorizations each app has.
    pub counts: HashMap<i64, usize>,
}

/// A job's end, as the store's thread sends it back.
#[derive(Debug)]
pub struct Stored {
    pub origin: Origin,
    pub outcome: Outcome,
    /// The lists re-read after a change (none after a read-only job).
    pub lists: Option<Lists>,
    /// Re-reading the lists failed (the change itself was made).
    pub reload_error: Option<StoreError>,
}

/// How long a job may take before the screen says it is waiting for the database.
const SLOW: Duration = Duration::from_millis(200);

/// The cached lists, and the thread that owns the store: jobs go to it and their ends come back
/// as messages, so a write waiting for another authdeck's lock never freezes the screen.
pub struct Data {
    lists: Lists,
    jobs: Option<std_mpsc::Sender<(Origin, Job)>>,
    worker: Option<std::thread::JoinHandle<()>>,
    /// Jobs asked for and not ended, by whether keys wait for them (a pane's) or not (a run's record).
    pending: usize,
    pending_interactive: usize,
    /// Since when a job has been pending.
    since: Option<Instant>,
}

impl std::ops::Deref for Data {
    type Target = Lists;
    fn deref(&self) -> &Lists {
        &self.lists
    }
}

impl Data {
    /// Loads the apps (creating the first one on a new database) and the first app's lists, then
    /// hands the store to its own thread, which sends each job's end to `inbox`.
    pub fn load(mut store: Store, inbox: mpsc::Sender<Message>) -> Result<Data, StoreError> {
        let apps = store.apps_or_first()?;
        // The app used last, when it is still there; else the first.
        let last = store.setting(LAST_APP)?.and_then(|id| id.parse::<i64>().ok());
        let app_id = last.filter(|id| apps.iter().any(|a| a.id == *id)).or_else(|| apps.first().map(|a| a.id));
        let mut keeper = Keeper { store, app_id: app_id.unwrap_or_default() };
        let lists = keeper.lists()?;
        let (jobs, queue) = std_mpsc::channel();
        let worker = std::thread::Builder::new()
            .name("authdeck-store".into())
            .spawn(move || keeper.serve(queue, inbox))
            .map_err(|e| StoreError::Corrupt(format!("no thread for the database: {e}")))?;
        Ok(Data { lists, jobs: Some(jobs), worker: Some(worker), pending: 0, pending_interactive: 0, since: None })
    }

    /// Hands a job to the store's thread; its end arrives as [`Message::Stored`].
    pub fn submit(&mut self, origin: Origin, job: Job) -> Result<(), Box<Stored>> {
        let sent = self.jobs.as_ref().is_some_and(|jobs| jobs.send((origin, job)).is_ok());
        if !sent {
            let gone = StoreError::Corrupt("the database thread stopped; restart authdeck".into());
            return Err(Box::new(Stored { origin, outcome: Err(gone.into()), lists: None, reload_error: None }));
        }
        self.pending += 1;
        if !matches!(origin, Origin::Run(_)) {
            self.pending_interactive += 1;
        }
        self.since.get_or_insert_with(Instant::now);
        Ok(())
    }

    /// A job ended: its lists replace the cached ones.
    pub fn ended(&mut self, stored: &mut Stored) {
        self.pending = self.pending.saturating_sub(1);
        if !matches!(stored.origin, Origin::Run(_)) {
            self.pending_interactive = self.pending_interactive.saturating_sub(1);
        }
        self.since = (self.pending > 0).then(Instant::now);
        if let Some(lists) = stored.lists.take() {
            self.lists = lists;
        }
    }

    /// True while a pane's job is pending: keys wait for it, so they act on what it changed.
    pub fn is_busy(&self) -> bool {
        self.pending_interactive > 0
    }

    /// True while any job is pending (quitting waits for them).
    pub fn has_pending(&self) -> bool {
        self.pending > 0
    }

    /// When the screen should start saying it waits for the database, while a job is pending.
    pub fn slow_at(&self) -> Option<Instant> {
        self.since.map(|since| since + SLOW)
    }

    /// True when a job has been pending long enough to say so.
    pub fn is_slow(&self) -> bool {
        self.slow_at().is_some_and(|at| Instant::now() >= at)
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

    /// The newest `authdeck check` of a connection.
    pub fn last_check(&self, connection_id: i64) -> Option<&CheckSummary> {
        self.checks.iter().find(|c| c.connection_id == Some(connection_id))
    }

    pub fn endpoint_name(&self, id: i64) -> Option<&str> {
        self.endpoint(id).map(|e| e.name.as_str())
    }

    /// The names of the authorizations that use an endpoint.
    pub fn endpoint_users(&self, id: i64) -> Vec<String> {
        self.authorizations.iter().filter(|a| a.config.uses_endpoint(id)).map(|a| a.name.clone()).collect()
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

    /// A new endpoint of this app for `purpose`, pre-filled (for an authorization of `kind`, when
    /// it is made from one's form), with a name no endpoint has yet.
    pub fn new_endpoint(&self, purpose: EndpointPurpose, kind: Option<AuthKind>) -> Endpoint {
        let mut template = Endpoint::new_for(purpose);
        // An API key or Basic credentials are placed by the test itself, as the authorization says:
        // a bearer-token header there would only be left out.
        if purpose == EndpointPurpose::UserInfo && matches!(kind, Some(AuthKind::ApiKey | AuthKind::Basic)) {
            template.headers = "Accept: application/json".into();
        }
        let name = free_name(&template.name, self.endpoints.iter().map(|e| e.name.as_str()));
        Endpoint { app_id: self.app_id, name, ..template }
    }

    /// `base`, or `base 2`, `base 3`… whichever no authorization of this app is called.
    pub fn free_authorization_name(&self, base: &str) -> String {
        free_name(base, self.authorizations.iter().map(|a| a.name.as_str()))
    }
}

/// The store's own thread: does the jobs one after the other, re-reads the lists after a change,
/// and sends each end back.
struct Keeper {
    store: Store,
    /// The app whose lists are read.
    app_id: i64,
}

impl Keeper {
    fn serve(mut self, jobs: std_mpsc::Receiver<(Origin, Job)>, inbox: mpsc::Sender<Message>) {
        while let Ok((origin, job)) = jobs.recv() {
            let reads_only = matches!(job, Job::LoadRuns { .. });
            let outcome = self.perform(job);
            let (lists, reload_error) = match reads_only {
                true => (None, None),
                false => match self.lists() {
                    Ok(lists) => (Some(lists), None),
                    Err(e) => (None, Some(e)),
                },
            };
            let stored = Stored { origin, outcome, lists, reload_error };
            if inbox.blocking_send(Message::Stored(Box::new(stored))).is_err() {
                break;
            }
        }
    }

    /// The apps and the current app's lists (the first app, when the current one is gone).
    fn lists(&mut self) -> Result<Lists, StoreError> {
        let apps = self.store.apps()?;
        if !apps.iter().any(|a| a.id == self.app_id) {
            self.app_id = apps.first().map(|a| a.id).unwrap_or_default();
        }
        Ok(Lists {
            authorizations: self.store.authorizations(self.app_id)?,
            endpoints: self.store.endpoints(self.app_id)?,
            connections: self.store.connections(self.app_id)?,
            checks: self.store.last_checks(self.app_id)?,
            counts: self.store.authorization_counts()?,
            app_id: self.app_id,
            apps,
        })
    }

    fn perform(&mut self, job: Job) -> Outcome {
        let app_id = self.app_id;
        let store = &mut self.store;
        Ok(match job {
            Job::SwitchApp(id) => {
                self.app_id = id;
                store.set_setting(LAST_APP, &id.to_string())?;
                let name = store.apps()?.into_iter().find(|a| a.id == id).map(|a| a.name);
                Done::Switched { name: name.unwrap_or_default() }
            }
            Job::CreateApp(name) => {
                let app = store.create_app(&name)?;
                self.app_id = app.id;
                store.set_setting(LAST_APP, &app.id.to_string())?;
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
            Job::SaveAuthorization { id: Some(id), name, config } => {
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
                // Retried while another authdeck writes; else kept in a file, saved at the next start.
                let outcome = store.record_flow_or_keep(&mut report);
                let recorded = match outcome {
                    RecordOutcome::Saved(recorded) => Ok(recorded),
                    other => Err(other.message().unwrap_or_default()),
                };
                Done::Recorded { report, recorded }
            }
            Job::Export { path, replace } => {
                if !replace && path.exists() {
                    return Err(JobError::Exists(path));
                }
                let app = store.apps()?.into_iter().find(|a| a.id == app_id).map(|a| a.name);
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
            Job::AddPreset(request) => {
                let PresetRequest { title, docs, applied, client_id, client_secret, base_url } = *request;
                let secret = client_secret.as_ref().map(|s| s.reveal().as_str());
                let added = store.add_preset(app_id, &applied, &client_id, secret).map_err(TransferError::from)?;
                Done::PresetAdded(Box::new(PresetAdded { title, docs, notes: applied.notes, base_url, added }))
            }
            Job::SaveDiscoveredEndpoints(plan) => {
                let ids = store.save_discovered_endpoints(app_id, &plan)?;
                Done::DiscoveredEndpoints { plan, ids }
            }
        })
    }
}

impl Drop for Data {
    /// The store's thread finishes the job at hand and closes the database cleanly.
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
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
