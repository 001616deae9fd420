//! An authorization's recorded runs, newest first; Enter shows one in the test pane, with its
//! steps, requests and responses (redacted), as it ended.

use crate::app::data::{Done, Job, Outcome};
use crate::app::list::ListCursor;
use crate::app::test_pane::TestPane;
use crate::app::{Command, Ctx, Overlay, report};
use crate::flow::TestRun;
use crate::keymap::Action;
use crate::model::Authorization;

pub struct RunHistory {
    pub authorization_id: i64,
    pub name: String,
    /// `None` until the store has answered.
    pub runs: Option<Vec<TestRun>>,
    pub cursor: ListCursor,
}

impl RunHistory {
    /// Opens the history of `authorization` and asks the store for its runs.
    pub fn open(authorization: &Authorization) -> Vec<Command> {
        let history = RunHistory {
            authorization_id: authorization.id,
            name: authorization.name.clone(),
            runs: None,
            cursor: ListCursor::default(),
        };
        vec![
            Command::Push(Overlay::RunHistory(history)),
            Command::Store(Job::LoadRuns { authorization_id: authorization.id }),
        ]
    }

    pub fn selected(&self) -> Option<&TestRun> {
        self.runs.as_ref().and_then(|runs| runs.get(self.cursor.selected))
    }

    pub fn update(&mut self, action: Action, ctx: &Ctx) -> Vec<Command> {
        let len = self.runs.as_ref().map_or(0, Vec::len);
        if self.cursor.navigate(action, len) {
            return Vec::new();
        }
        match action {
            Action::Cancel => vec![Command::Pop],
            Action::Submit => {
                let (Some(run), Some(authorization)) = (self.selected(), ctx.data.authorization(self.authorization_id))
                else {
                    return Vec::new();
                };
                let pane = TestPane::from_run(run, authorization, ctx.now);
                vec![Command::Push(Overlay::TestPane(Box::new(pane)))]
            }
            _ => Vec::new(),
        }
    }

    pub fn stored(&mut self, outcome: Outcome) -> Vec<Command> {
        match outcome {
            Ok(Done::Runs { runs, .. }) => {
                self.runs = Some(runs);
                Vec::new()
            }
            other => {
                self.runs.get_or_insert_with(Vec::new);
                report(other)
            }
        }
    }
}
